"""Managing subscriptions: a user's own e-mail, the ones of scopes they manage (a team's Slack channels and
webhooks), the default e-mail subscription, and how the pages show them."""

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext_lazy

from notifications.models import Subscription
from notifications.transports import secret_new

DEFAULT_EMAIL_TOPICS = ["digest", "addendum"]
SUBSCRIPTION_FILTERS = ("teams", "categories", "channels", "tags")


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
    """Turn the user's e-mail subscriptions on or off; subscribing creates the default one when none is left
    (ones the user deleted stay deleted). Returns one of them, or None without an e-mail address."""
    own = Subscription.objects.not_deleted().filter(user=user, scope="", kind=Subscription.Kind.EMAIL)
    updated = own.update(active=active, **_switched(active))
    if active and not updated:
        if not user.email:
            return None
        return Subscription.objects.create(
            user=user, created_by=user, kind=Subscription.Kind.EMAIL, target=user.email,
            topics=list(DEFAULT_EMAIL_TOPICS),
        )
    return own.first()


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



@transaction.atomic
def subscriptions_email_personal(*, users, topic: str) -> dict[int, Subscription]:
    """{user id: the e-mail subscription a personal message (a reminder) goes to} for `users`.

    A user's active e-mail subscription; for a user without any, a new one for `topic` alone (so that it brings
    no digests). Someone who unsubscribed (only inactive rows) and accounts without an address get nothing.
    """
    users = [user for user in users if user.is_active and user.email]
    # Two runs at once (a second beat) each gave a user without a subscription a new one, and the user two copies
    # of the message: the second waits here until the first has committed, and finds its subscription.
    locked = get_user_model().objects.select_for_update().filter(pk__in=[user.pk for user in users])
    list(locked.order_by("pk").values_list("pk", flat=True))
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


# --- Who manages which subscriptions ----------------------------------------------------------

# A person manages their own e-mail; the Slack channels and webhooks of a scope (a team) are managed by whoever
# the app that knows the scope says: {scope: label} for a user, from every registered source.
_scope_sources: list[Callable[[Any], Mapping[str, str]]] = []

PERSONAL_KINDS = (Subscription.Kind.EMAIL,)
SCOPE_KINDS = (Subscription.Kind.SLACK, Subscription.Kind.WEBHOOK)
# What each kind can be sent (what the payload builders make for it), and what a new one is ticked for.
KIND_TOPICS = {
    Subscription.Kind.EMAIL: ["digest", "addendum"],
    Subscription.Kind.SLACK: ["digest", "addendum"],
    Subscription.Kind.WEBHOOK: ["change", "digest", "addendum"],
}
NEW_TOPICS = {
    Subscription.Kind.EMAIL: list(DEFAULT_EMAIL_TOPICS),
    Subscription.Kind.SLACK: ["digest", "addendum"],
    Subscription.Kind.WEBHOOK: ["change"],
}


def subscription_scopes_register(scopes: Callable[[Any], Mapping[str, str]]) -> None:
    """Let `scopes(user)` answer which scopes `user` may manage: {scope: its name in the active language}."""
    if scopes not in _scope_sources:
        _scope_sources.append(scopes)


def subscription_scopes_of(*, user) -> dict[str, str]:
    """{scope: name} of the scopes `user` manages, by name; none for someone not logged in."""
    if not user.is_authenticated:
        return {}
    found: dict[str, str] = {}
    for scopes in _scope_sources:
        found.update(scopes(user))
    found.pop("", None)  # blank is a person's own, never a shared scope
    return dict(sorted(found.items(), key=lambda item: str(item[1]).casefold()))


def subscriptions_managed_by(*, user, scopes: Iterable[str]) -> QuerySet:
    """What `user` manages: their own e-mail subscriptions and every subscription of `scopes` (what
    subscription_scopes_of answered), without deleted ones."""
    own = Q(scope="", user=user, kind__in=PERSONAL_KINDS)
    return Subscription.objects.not_deleted().filter(own | Q(scope__in=list(scopes)))


def _switched(active: bool) -> dict:
    # Switching on forgets why it was off; switching off says when (a person did: no reason).
    return {"deactivated_at": None if active else timezone.now(), "deactivated_reason": ""}


def subscription_create(
    *, user, kind: str, scope: str = "", target: str = "", topics: list[str], filters: Mapping[str, list[str]]
) -> Subscription:
    """Make a subscription that `user` asked for: with a blank scope their own e-mail to their address, else one
    of the scope without an owner (it outlives the person who made it; `created_by` remembers them). A webhook
    gets a new signing secret, which the caller shows once. Checks no permission: the caller did."""
    personal = not scope
    return Subscription.objects.create(
        kind=kind,
        scope=scope,
        user=user if personal else None,
        created_by=user,
        target=user.email if personal else target,
        secret=secret_new() if kind == Subscription.Kind.WEBHOOK else "",
        topics=list(topics),
        **{name: list(filters.get(name) or []) for name in SUBSCRIPTION_FILTERS},
    )


def subscription_update(
    *, subscription: Subscription, topics: list[str], filters: Mapping[str, list[str]], target: str | None = None
) -> Subscription:
    """Change what a subscription wants and, for a scoped one, where it goes (None keeps the address)."""
    subscription.topics = list(topics)
    for name in SUBSCRIPTION_FILTERS:
        setattr(subscription, name, list(filters.get(name) or []))
    fields = ["topics", *SUBSCRIPTION_FILTERS]
    if target is not None and subscription.scope:
        subscription.target = target
        fields.append("target")
    subscription.save(update_fields=fields)
    return subscription


def subscription_switch(*, subscription: Subscription, active: bool) -> Subscription:
    """Switch a subscription on or off. Switched on again, one its receiver had switched off (410 Gone) is sent
    to again."""
    subscription.active = active
    for field, value in _switched(active).items():
        setattr(subscription, field, value)
    subscription.save(update_fields=["active", "deactivated_at", "deactivated_reason"])
    return subscription


def subscription_delete(*, subscription: Subscription) -> None:
    """Delete a subscription as its owner sees it: nothing more is sent and no page or API lists it again. The row
    stays, so its delivery log stays readable in the admin and no default subscription replaces it."""
    Subscription.objects.filter(pk=subscription.pk).update(
        active=False, deactivated_at=timezone.now(), deactivated_reason=Subscription.Deactivation.DELETED
    )


def subscription_secret_renew(*, subscription: Subscription) -> str:
    """Give a webhook a new signing secret and return it (shown once); the old one stops verifying at once."""
    subscription.secret = secret_new()
    subscription.save(update_fields=["secret"])
    return subscription.secret


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
FILTER_ALL = gettext_lazy("all")  # an empty filter leaves nothing out

# Names for the stored values of a filter, {filter: labels(values) -> {value: label}}. The filters are plain data
# here; the app that reads them knows what a team slug or a category is and registers its names.
_filter_labels: dict[str, Callable[[set[str]], Mapping[str, str]]] = {}


def subscription_filter_labels_register(name: str, labels: Callable[[set[str]], Mapping[str, str]]) -> None:
    """Show the values of the filter `name` ("teams", "categories", …) by `labels(values)`: {value: label}."""
    if name not in SUBSCRIPTION_FILTERS:
        raise ValueError(f"{name!r} is not a subscription filter; one of {', '.join(SUBSCRIPTION_FILTERS)}")
    _filter_labels[name] = labels


# The values a person can pick for a filter, {filter: choices() -> [(value, label)]}, registered like the labels.
_filter_choices: dict[str, Callable[[], Iterable[tuple[str, str]]]] = {}


def subscription_filter_choices_register(name: str, choices: Callable[[], Iterable[tuple[str, str]]]) -> None:
    """Offer `choices()`, [(value, label)] in the active language, for the filter `name` on the subscription form."""
    if name not in SUBSCRIPTION_FILTERS:
        raise ValueError(f"{name!r} is not a subscription filter; one of {', '.join(SUBSCRIPTION_FILTERS)}")
    _filter_choices[name] = choices


def subscription_filter_choices(name: str) -> list[tuple[str, str]]:
    """What a person can pick for the filter `name`; nothing when no app offers choices."""
    choices = _filter_choices.get(name)
    return list(choices()) if choices else []


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


def subscriptions_page(*, user) -> dict:
    """What the subscriptions page shows `user`, in the active language: their own e-mail subscriptions, their
    other own ones (webhooks registered through the API, read only on the page), and a section for each scope
    they manage. Deleted subscriptions are left out."""
    scopes = subscription_scopes_of(user=user)
    subscriptions = (
        Subscription.objects.not_deleted()
        .filter(Q(scope="", user=user) | Q(scope__in=list(scopes)))
        .select_related("created_by")
        .order_by("kind", "created_at", "pk")
    )
    by_scope: dict[str, list[dict]] = {}
    for row in subscriptions_for_display(subscriptions):
        by_scope.setdefault(row["subscription"].scope, []).append(row)
    own = by_scope.get("", [])
    email = [row for row in own if row["subscription"].kind in PERSONAL_KINDS]
    sections = [
        {"scope": scope, "label": label, "anchor": "scope-" + slugify(scope), "rows": by_scope.get(scope, [])}
        for scope, label in scopes.items()
    ]
    return {
        "email_rows": email,
        "other_rows": [row for row in own if row["subscription"].kind not in PERSONAL_KINDS],
        "subscribed": any(row["subscription"].active for row in email),
        "sections": sections,
    }
