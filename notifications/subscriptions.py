"""Managing a user's own subscriptions (the web page and the default e-mail subscription)."""

from django.db import transaction
from django.db.models import Q

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
