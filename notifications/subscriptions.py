"""Managing a user's own subscriptions (the web page and the default e-mail subscription)."""

from collections.abc import Callable, Iterable, Mapping

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy

from notifications.models import Subscription

DEFAULT_EMAIL_TOPICS = ["digest", "addendum"]


def subscription_email_default(*, user) -> Subscription | None:
    """Subscribe `user` by e-mail to the default topics unless they have an e-mail subscription already.

    Idempotent. An unsubscribed user keeps an inactive row, so this never
    subscribes them again. Returns the new subscription, or None.
    """
    if not user.email or Subscription.objects.filter(user=user, kind=Subscription.Kind.EMAIL).exists():
        return None
    return Subscription.objects.create(
        user=user, kind=Subscription.Kind.EMAIL, target=user.email, topics=list(DEFAULT_EMAIL_TOPICS)
    )


@transaction.atomic
def subscription_email_set(*, user, active: bool) -> Subscription | None:
    """Turn the user's e-mail subscriptions on or off; subscribing creates the default one when missing."""
    updated = Subscription.objects.filter(user=user, kind=Subscription.Kind.EMAIL).update(active=active)
    if active and not updated:
        return subscription_email_default(user=user)
    return Subscription.objects.filter(user=user, kind=Subscription.Kind.EMAIL).first()


def subscriptions_for_topic(topic: str) -> list[Subscription]:
    """Active subscriptions whose topics include `topic`.

    Filtered in Python: JSONField `contains` is not available on SQLite, the
    database a newcomer starts with.
    """
    # A deactivated account hears nothing; subscriptions without an account (a team list, a webhook) still do.
    active = Subscription.objects.filter(active=True).filter(Q(user__isnull=True) | Q(user__is_active=True))
    return [s for s in active.order_by("pk") if topic in (s.topics or [])]


def subscriptions_follow_email(*, user) -> int:
    """Point the user's e-mail subscriptions at their current address; returns how many moved."""
    if not user.email:
        return 0
    return Subscription.objects.filter(user=user, kind=Subscription.Kind.EMAIL).exclude(target=user.email).update(
        target=user.email
    )



def subscriptions_email_personal(*, users, topic: str) -> dict[int, Subscription]:
    """{user id: the e-mail subscription a personal message (a reminder) goes to} for `users`.

    A user's active e-mail subscription; for a user without any, a new one for `topic` alone (so that it brings
    no digests). Someone who unsubscribed (only inactive rows) and accounts without an address get nothing.
    """
    users = [user for user in users if user.is_active and user.email]
    rows = Subscription.objects.filter(user__in=users, kind=Subscription.Kind.EMAIL).order_by("pk")
    found: dict[int, Subscription] = {}
    unsubscribed = set()
    for subscription in rows:
        if subscription.active:
            found.setdefault(subscription.user_id, subscription)
        else:
            unsubscribed.add(subscription.user_id)
    for user in users:
        if user.pk not in found and user.pk not in unsubscribed:
            found[user.pk] = Subscription.objects.create(
                user=user, kind=Subscription.Kind.EMAIL, target=user.email, topics=[topic]
            )
    return found


# --- Showing a user's subscriptions --------------------------------------------------------

# What people call the topics; the weekly digest by the weekday it goes out on (DIGEST_WEEKDAY).
# A topic not named here shows as it is stored.
DIGEST_TOPIC_LABELS = {
    "mon": gettext_lazy("Weekly digest (Monday)"),
    "tue": gettext_lazy("Weekly digest (Tuesday)"),
    "wed": gettext_lazy("Weekly digest (Wednesday)"),
    "thu": gettext_lazy("Weekly digest (Thursday)"),
    "fri": gettext_lazy("Weekly digest (Friday)"),
    "sat": gettext_lazy("Weekly digest (Saturday)"),
    "sun": gettext_lazy("Weekly digest (Sunday)"),
}
TOPIC_LABELS = {
    "addendum": gettext_lazy("Late news between digests"),
    "handover_reminder": gettext_lazy("Handover reminders"),
    "change": gettext_lazy("Every change as it is published, edited or withdrawn"),
}
SUBSCRIPTION_FILTERS = ("teams", "categories", "channels", "tags")
FILTER_ALL = gettext_lazy("all")  # an empty filter leaves nothing out

# Names for the stored values of a filter, {filter: labels(values) -> {value: label}}. The filters are plain data
# here; the app that reads them knows what a team slug or a category is and registers its names.
_filter_labels: dict[str, Callable[[set[str]], Mapping[str, str]]] = {}


def subscription_filter_labels_register(name: str, labels: Callable[[set[str]], Mapping[str, str]]) -> None:
    """Show the values of the filter `name` ("teams", "categories", …) by `labels(values)`: {value: label}."""
    if name not in SUBSCRIPTION_FILTERS:
        raise ValueError(f"{name!r} is not a subscription filter; one of {', '.join(SUBSCRIPTION_FILTERS)}")
    _filter_labels[name] = labels


def subscription_topic_label(topic: str) -> str:
    """A topic as people say it, in the active language; an unknown one as it is stored."""
    if topic == "digest":
        return str(DIGEST_TOPIC_LABELS[settings.DIGEST_WEEKDAY])
    return str(TOPIC_LABELS.get(topic, topic))


def subscriptions_for_display(subscriptions: Iterable[Subscription]) -> list[dict]:
    """The subscriptions as a page shows them, in the active language: the topics by name, and each filter with
    the labels of its values (a value without one as it is stored), "all" when it is empty."""
    subscriptions = list(subscriptions)
    labels: dict[str, Mapping[str, str]] = {}
    for name in SUBSCRIPTION_FILTERS:
        values = {value for subscription in subscriptions for value in getattr(subscription, name) or []}
        named = _filter_labels.get(name)
        labels[name] = named(values) if named and values else {}
    rows = []
    for subscription in subscriptions:
        filters = []
        for name in SUBSCRIPTION_FILTERS:
            values = getattr(subscription, name) or []
            shown = ", ".join(str(labels[name].get(value, value)) for value in values) if values else FILTER_ALL
            filters.append({"label": capfirst(Subscription._meta.get_field(name).verbose_name), "values": str(shown)})
        topics = [subscription_topic_label(topic) for topic in subscription.topics or []]
        rows.append({"subscription": subscription, "topics": topics, "filters": filters})
    return rows
