"""A test message to a Slack channel or webhook, sent while the person who asked for it waits for the answer."""

import secrets
import time
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.models import Delivery, DeliveryAttempt, Subscription
from notifications.subscriptions import subscription_topic_label
from notifications.transports import HTTP_REQUESTS, PermanentFailure, TemporaryFailure, http_post

EXCERPT_LENGTH = 200
TEST_EVENT = "test"


@dataclass(frozen=True)
class ProbeAnswer:
    """How the receiver answered: its HTTP status and the start of its body, or no status and the error."""

    status_code: int | None
    text: str

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _payload(subscription: Subscription, *, user) -> dict:
    topics = ", ".join(subscription_topic_label(topic) for topic in subscription.topics or []) or "—"
    text = _(
        "A test message from Bulletin, sent by %(user)s from the subscriptions page. What this receiver gets: "
        "%(topics)s."
    ) % {"user": user.get_username(), "topics": topics}
    if subscription.kind == Subscription.Kind.SLACK:
        return {"text": text}
    body = {
        "type": TEST_EVENT,
        "message": text,
        "topics": list(subscription.topics or []),
        "occurred_at": timezone.now().isoformat(),
    }
    return {"event": TEST_EVENT, "body": body}


def subscription_test_send(*, subscription: Subscription, user) -> ProbeAnswer:
    """POST one test message to a Slack or webhook subscription now, signed as every delivery is, and return the
    receiver's answer. Raises ValueError for an e-mail subscription.

    Not through the outbox: it is tried once and never again, and an answer such as 410 switches nothing off, as
    the person who pressed the button reads it. It is still recorded as a delivery ("test:…") with its attempt, so
    the admin's delivery log shows it beside the real ones.
    """
    build = HTTP_REQUESTS.get(subscription.kind)
    if build is None:
        raise ValueError(f"a {subscription.kind} subscription takes no test message")
    now = timezone.now()
    # Recorded as failed until the answer is in: a worker that died meanwhile leaves nothing the sweep sends again.
    delivery = Delivery.objects.create(
        subscription=subscription,
        key=f"test:{now:%Y%m%dT%H%M%S}:{secrets.token_hex(4)}",
        payload=_payload(subscription, user=user),
        status=Delivery.Status.FAILED,
        attempts=1,
        last_error="no answer recorded",
    )
    body, headers = build(delivery)
    started = time.monotonic()
    try:
        response = http_post(subscription.target, body, headers)
    except (PermanentFailure, TemporaryFailure) as failure:
        answer = ProbeAnswer(status_code=None, text=str(failure))
    else:
        excerpt = " ".join(response.text[: EXCERPT_LENGTH * 2].split())[:EXCERPT_LENGTH]
        answer = ProbeAnswer(status_code=response.status_code, text=excerpt)
    error = "" if answer.ok else (f"HTTP {answer.status_code}: {answer.text}" if answer.status_code else answer.text)
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            delivery=delivery, started_at=now, duration_ms=int((time.monotonic() - started) * 1000), ok=answer.ok,
            permanent=not answer.ok, status_code=answer.status_code, error=error,
        )
        delivery.status = Delivery.Status.DELIVERED if answer.ok else Delivery.Status.FAILED
        delivery.delivered_at = timezone.now() if answer.ok else None
        delivery.last_error = error
        delivery.save(update_fields=["status", "delivered_at", "last_error"])
    return answer
