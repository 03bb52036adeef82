"""Change events for consumers' webhooks, delivered through the notifications outbox.

`changes` announces publish, update-after-publish and withdraw with signals;
this module turns each into one signed webhook delivery per interested
subscription. The delivery key holds the change, its revision and the event,
so a signal that is sent again for the same revision sends nothing twice.
"""

import json
import logging

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from changes import signals
from changes.api.serializers import ChangeSerializer
from changes.models import Change
from notifications.models import Subscription
from notifications.outbox import outbox_enqueue
from notifications.subscriptions import subscription_delete, subscriptions_for_topic

logger = logging.getLogger(__name__)

TOPIC = "change"
EVENTS = ("change.published", "change.updated", "change.withdrawn")


def webhook_subscribe(*, user, url: str, secret: str, teams=()) -> Subscription:
    """Register `url` to receive change events signed with `secret`; `teams` (slugs) narrows them, empty for all."""
    return Subscription.objects.create(
        kind=Subscription.Kind.WEBHOOK, user=user, created_by=user, target=url, secret=secret, topics=[TOPIC],
        teams=list(teams),
    )


def webhook_unsubscribe(*, subscription: Subscription) -> None:
    """Stop sending to the webhook and list it no more. The row stays so its delivery log stays readable."""
    subscription_delete(subscription=subscription)


def webhooks_of(*, user):
    """The user's own webhooks, newest first: the active ones and those their receiver switched off (410 Gone), so
    a consumer sees why nothing arrives; not those the user deleted."""
    return (
        Subscription.objects.filter(kind=Subscription.Kind.WEBHOOK, user=user, scope="")
        .filter(Q(active=True) | Q(deactivated_reason=Subscription.Deactivation.GONE))
        .order_by("-created_at", "-pk")
    )


def change_event_payload(*, change: Change, revision: int, event: str, changed_fields=None) -> dict:
    """The outbox payload of one change event: the JSON body a receiver gets, and its event name.

    The body carries the change as the API serialises it, its page and, on an update, which fields changed,
    so a receiver needs no second call."""
    occurred_at = {
        "change.published": change.published_at,
        "change.withdrawn": change.withdrawn_at,
    }.get(event) or change.updated_at or timezone.now()
    body = {
        "type": event,
        "change": ChangeSerializer(change, context={"request": None}).data,
        "revision": revision,
        "occurred_at": occurred_at.isoformat(),
        "url": settings.SITE_URL + change.get_absolute_url(),
    }
    if event == "change.updated":
        body["changed_fields"] = list(changed_fields or [])
    # The outbox stores JSON; dates and lazy strings become plain JSON values here.
    return {"event": event, "body": json.loads(json.dumps(body, cls=DjangoJSONEncoder))}


@transaction.atomic
def change_event_fan_out(*, change: Change, revision: int, event: str, changed_fields=None) -> int:
    """Queue `event` for every active webhook that wants this change; return how many were new.

    Idempotent per (subscription, change, revision, event).
    """
    if event not in EVENTS:
        raise ValueError(f"unknown change event {event!r}")
    change = Change.objects.select_related("team").get(pk=change.pk)
    # The same rules as e-mail and Slack: active subscriptions of active accounts (or of none).
    subscriptions = [
        subscription
        for subscription in subscriptions_for_topic(TOPIC)
        if subscription.kind == Subscription.Kind.WEBHOOK
        and subscription.wants(
            team=change.team.slug, category=change.category, channels=change.channels, tags=change.tags
        )
    ]
    if not subscriptions:
        return 0
    payload = change_event_payload(change=change, revision=revision, event=event, changed_fields=changed_fields)
    key = f"change:{change.pk}:r{revision}:{event}"
    queued = [outbox_enqueue(subscription=subscription, key=key, payload=payload) for subscription in subscriptions]
    return sum(delivery is not None for delivery in queued)


def _receiver(event):
    def receive(sender, change, revision, changed_fields=None, **kwargs):
        change_event_fan_out(change=change, revision=revision, event=event, changed_fields=changed_fields)

    return receive


_on_published = _receiver("change.published")
_on_updated = _receiver("change.updated")
_on_withdrawn = _receiver("change.withdrawn")


def webhooks_receivers_connect() -> None:
    signals.change_published.connect(_on_published, dispatch_uid="bulletin.webhooks.published")
    signals.change_updated.connect(_on_updated, dispatch_uid="bulletin.webhooks.updated")
    signals.change_withdrawn.connect(_on_withdrawn, dispatch_uid="bulletin.webhooks.withdrawn")
