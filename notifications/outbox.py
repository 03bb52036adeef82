"""The outbox: every message is a Delivery row before anything is sent.

Rows are written in the caller's transaction and handed to Celery after commit.
If the broker is down the row waits; `outbox_sweep` (run every minute by beat)
picks up what was never queued or was left behind by a lost worker. A row is
claimed with a conditional UPDATE, so a task that runs twice sends once.
"""

import datetime
import logging
import random
import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import DateTimeField, F, Value
from django.utils import timezone

from config.celery import broker_try_again, enqueue_on_commit
from notifications.models import Delivery, DeliveryAttempt, Subscription
from notifications.transports import TRANSPORTS, PermanentFailure, TemporaryFailure

logger = logging.getLogger(__name__)

# Celery on Redis redelivers a task whose countdown exceeds the visibility
# timeout, so longer waits are left to the sweep instead of a countdown.
LONGEST_COUNTDOWN = 300
GONE = 410


def _queue(delivery_id: int, countdown: float | None = None) -> None:
    # With the broker down the row is safe: the outbox sweep queues it.
    enqueue_on_commit("notifications.tasks.outbox_deliver", delivery_id, countdown=countdown)


def outbox_enqueue(*, subscription: Subscription, key: str, payload: dict) -> Delivery | None:
    """Record one message for `subscription` and queue it after commit.

    Idempotent: a second call with the same (subscription, key) returns None and
    sends nothing, so a message is never sent twice to the same subscriber.
    """
    delivery, created = Delivery.objects.get_or_create(
        subscription=subscription, key=key, defaults={"payload": payload, "next_attempt_at": timezone.now()}
    )
    if not created:
        return None
    _queue(delivery.pk)
    return delivery


def outbox_enqueue_many(*, key: str, messages: list[tuple[Subscription, dict]]) -> list[int]:
    """Record one message per (subscription, payload) under the same `key`; queue them after commit.

    The bulk form of outbox_enqueue for fan-outs such as the weekly digest: one
    INSERT instead of a round trip per subscriber. Idempotent in the same way:
    subscriptions that already have `key` are skipped. Returns the new ids.
    """
    if not messages:
        return []
    existing = set(
        Delivery.objects.filter(key=key, subscription_id__in=[s.pk for s, _payload in messages]).values_list(
            "subscription_id", flat=True
        )
    )
    # An expression (not a plain datetime) keeps Django 5.2 from its UNNEST form of bulk
    # INSERT: psycopg's client-side quoting of JSON inside arrays is about 10× slower.
    # The time is this process's, as everywhere else (the database's clock may differ).
    now = Value(timezone.now(), output_field=DateTimeField())
    rows = [
        Delivery(subscription=subscription, key=key, payload=payload, next_attempt_at=now)
        for subscription, payload in messages
        if subscription.pk not in existing
    ]
    try:
        with transaction.atomic():
            ids = [delivery.pk for delivery in Delivery.objects.bulk_create(rows, batch_size=100)]
    except IntegrityError:
        # A concurrent fan-out recorded some of these first: go one by one, skipping those.
        created = (outbox_enqueue(subscription=s, key=key, payload=p) for s, p in messages if s.pk not in existing)
        return [delivery.pk for delivery in created if delivery is not None]
    for delivery_id in ids:
        _queue(delivery_id)
    return ids


def retry_delay(attempts: int) -> float:
    """Exponential backoff with jitter: base, 2×base, 4×base, … capped at an hour."""
    base = float(settings.NOTIFICATIONS_RETRY_BASE_SECONDS)
    delay = min(base * 2 ** max(attempts - 1, 0), 3600.0)
    return delay * random.uniform(0.8, 1.2)


def outbox_send(*, delivery_id: int) -> str | None:
    """Make one attempt at a due, pending delivery and record it.

    Returns the new status, or None when there was nothing to do (already sent,
    failed, not yet due, or claimed by another worker). Never raises for a
    failed send: temporary failures are rescheduled up to
    NOTIFICATIONS_MAX_ATTEMPTS, permanent ones mark the row failed.
    """
    now = timezone.now()
    claimed = Delivery.objects.filter(
        pk=delivery_id, status=Delivery.Status.PENDING, next_attempt_at__lte=now
    ).update(status=Delivery.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return None
    delivery = Delivery.objects.select_related("subscription").get(pk=delivery_id)
    transport = TRANSPORTS[delivery.subscription.kind]

    started = time.monotonic()
    gone = False
    attempt = DeliveryAttempt(delivery=delivery, started_at=now, ok=False)
    countdown = None
    try:
        attempt.status_code = transport(delivery)
    except TemporaryFailure as failure:
        attempt.status_code, attempt.error = failure.status_code, str(failure)
        if delivery.attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
            attempt.permanent = True
            delivery.status = Delivery.Status.FAILED
        else:
            countdown = max(retry_delay(delivery.attempts), float(failure.retry_after or 0))
            delivery.status = Delivery.Status.PENDING
            delivery.next_attempt_at = timezone.now() + datetime.timedelta(seconds=countdown)
    except PermanentFailure as failure:
        attempt.status_code, attempt.error, attempt.permanent = failure.status_code, str(failure), True
        delivery.status = Delivery.Status.FAILED
        gone = failure.status_code == GONE and delivery.subscription.kind != Subscription.Kind.EMAIL
        if gone:
            attempt.error += " (the receiver is gone: its subscription is switched off)"
    except Exception as error:  # a bug or bad payload must not leave the row claimed for ever
        logger.exception("Delivery %s crashed", delivery_id)
        attempt.error, attempt.permanent = f"{type(error).__name__}: {error}", True
        delivery.status = Delivery.Status.FAILED
    else:
        attempt.ok = True
        delivery.status = Delivery.Status.DELIVERED
        delivery.delivered_at = timezone.now()
    attempt.duration_ms = int((time.monotonic() - started) * 1000)
    delivery.last_error = attempt.error
    with transaction.atomic():
        attempt.save()
        delivery.save(update_fields=["status", "next_attempt_at", "delivered_at", "last_error"])
        if gone:
            # 410 Gone is a receiver saying "stop" (Standard Webhooks, Slack's removed hooks): nothing more is queued.
            # Recorded with when and why, so its managers and the API tell it from one a person switched off;
            # one already switched off or deleted keeps what it says.
            Subscription.objects.filter(pk=delivery.subscription_id, active=True).update(
                active=False, deactivated_at=timezone.now(), deactivated_reason=Subscription.Deactivation.GONE
            )
    if countdown is not None and countdown <= LONGEST_COUNTDOWN:
        _queue(delivery_id, countdown=countdown)
    return delivery.status


def outbox_sweep() -> int:
    """Queue every due delivery that no task is working on; return how many.

    Frees rows whose worker vanished mid-send, and queues rows that were never
    queued (broker down at the time) or whose retry was too far out for a countdown.
    """
    broker_try_again()
    now = timezone.now()
    # A row "sending" for longer than any attempt takes lost its worker (NOTIFICATIONS_CLAIM_SECONDS).
    stale = now - datetime.timedelta(seconds=settings.NOTIFICATIONS_CLAIM_SECONDS)
    Delivery.objects.filter(status=Delivery.Status.SENDING, claimed_at__lt=stale).update(
        status=Delivery.Status.PENDING, next_attempt_at=now
    )
    due = list(
        Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:5000]
    )
    for delivery_id in due:
        _queue(delivery_id)
    return len(due)
