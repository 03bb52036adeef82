import datetime
import json

import pytest
from django.core import mail
from django.utils import timezone

from notifications.models import Delivery, Subscription
from notifications.outbox import outbox_enqueue, outbox_send, outbox_sweep
from notifications.transports import sign
from tests.conftest import wait_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_retries(settings):
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 0.1
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 4


@pytest.fixture
def webhook(http_receiver):
    return Subscription.objects.create(kind="webhook", target=http_receiver.url, secret="s3cret", topics=["t"])


def _webhook_payload():
    return {"event": "change.published", "body": {"type": "change.published", "change": {"id": 1}}}


def _send_now(delivery):
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    return outbox_send(delivery_id=delivery.pk)


def test_the_same_message_is_recorded_once_per_subscription(webhook):
    first = outbox_enqueue(subscription=webhook, key="change.published:1:r1", payload=_webhook_payload())
    second = outbox_enqueue(subscription=webhook, key="change.published:1:r1", payload=_webhook_payload())
    assert first is not None and second is None
    assert Delivery.objects.count() == 1


def test_webhook_is_signed_over_the_exact_body(webhook, http_receiver):
    delivery = outbox_enqueue(subscription=webhook, key="k1", payload=_webhook_payload())
    assert _send_now(delivery) == "delivered"
    request = http_receiver.requests[0]
    assert request["headers"]["X-Bulletin-Signature"] == sign("s3cret", request["body"])
    assert request["headers"]["X-Bulletin-Event"] == "change.published"
    assert json.loads(request["body"])["change"] == {"id": 1}


def test_a_delivery_is_sent_once_even_if_its_task_runs_twice(webhook, http_receiver):
    delivery = outbox_enqueue(subscription=webhook, key="k1", payload=_webhook_payload())
    assert _send_now(delivery) == "delivered"
    assert outbox_send(delivery_id=delivery.pk) is None
    assert len(http_receiver.requests) == 1


def test_server_errors_are_retried_and_every_attempt_is_kept(webhook, http_receiver):
    http_receiver.script = [503, 500]
    delivery = outbox_enqueue(subscription=webhook, key="k1", payload=_webhook_payload())
    assert _send_now(delivery) == "pending"
    assert _send_now(delivery) == "pending"
    assert _send_now(delivery) == "delivered"
    delivery.refresh_from_db()
    assert [a.status_code for a in delivery.attempt_log.all()] == [503, 500, 200]
    assert delivery.attempts == 3


def test_a_client_error_stops_without_retrying(webhook, http_receiver):
    http_receiver.script = [410]
    delivery = outbox_enqueue(subscription=webhook, key="k1", payload=_webhook_payload())
    assert _send_now(delivery) == "failed"
    assert outbox_send(delivery_id=delivery.pk) is None
    delivery.refresh_from_db()
    assert "HTTP 410" in delivery.last_error and delivery.attempt_log.get().permanent


def test_too_many_requests_is_temporary(webhook, http_receiver):
    http_receiver.script = [429]
    delivery = outbox_enqueue(subscription=webhook, key="k1", payload=_webhook_payload())
    assert _send_now(delivery) == "pending"


def test_retries_stop_at_the_limit(webhook, http_receiver):
    http_receiver.script = [500] * 10
    delivery = outbox_enqueue(subscription=webhook, key="k1", payload=_webhook_payload())
    statuses = [_send_now(delivery) for _ in range(4)]
    assert statuses == ["pending", "pending", "pending", "failed"]


def test_an_unreachable_receiver_is_retried(db):
    subscription = Subscription.objects.create(kind="webhook", target="http://127.0.0.1:9/hook")
    delivery = outbox_enqueue(subscription=subscription, key="k1", payload=_webhook_payload())
    assert _send_now(delivery) == "pending"
    delivery.refresh_from_db()
    assert "ConnectionError" in delivery.last_error


def test_email_is_multipart_with_a_stable_message_id(db):
    subscription = Subscription.objects.create(kind="email", target="mia@example.com")
    payload = {"subject": "Digest", "text": "plain", "html": "<p>rich</p>"}
    delivery = outbox_enqueue(subscription=subscription, key="digest:2026-W48:r1", payload=payload)
    assert _send_now(delivery) == "delivered"
    message = mail.outbox[0]
    assert message.to == ["mia@example.com"]
    assert message.alternatives[0][1] == "text/html"
    assert message.extra_headers["Message-ID"] == f"<digest.2026-W48.r1.s{subscription.pk}@bulletin>"


def test_the_sweep_frees_rows_of_a_lost_worker(webhook):
    delivery = outbox_enqueue(subscription=webhook, key="k1", payload=_webhook_payload())
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    Delivery.objects.filter(pk=delivery.pk).update(status="sending", claimed_at=long_ago)
    assert outbox_sweep() == 1
    delivery.refresh_from_db()
    assert delivery.status == "pending"


def test_subscription_filters_match_on_every_dimension():
    subscription = Subscription(kind="email", target="x@example.com", teams=["einkauf"], categories=["returns"])
    assert subscription.wants(team="einkauf", category="returns", channels=["email"], tags=[])
    assert not subscription.wants(team="logistik", category="returns")
    assert not subscription.wants(team="einkauf", category="pricing")
    tagged = Subscription(kind="email", target="x@example.com", tags=["b2b"], channels=["phone"])
    assert tagged.wants(team="any", category="any", channels=["phone", "chat"], tags=["b2b"])
    assert not tagged.wants(team="any", category="any", channels=["chat"], tags=["b2b"])


def test_a_queued_message_is_delivered_by_the_worker(celery_worker, http_receiver):
    subscription = Subscription.objects.create(kind="webhook", target=http_receiver.url, secret="k")
    outbox_enqueue(subscription=subscription, key="k1", payload=_webhook_payload())
    wait_for(lambda: Delivery.objects.filter(status="delivered").exists())
    assert len(http_receiver.requests) == 1


def test_nothing_is_lost_while_the_broker_is_down(celery_worker, http_receiver, settings, monkeypatch):
    from config.celery import app

    def broker_down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    subscription = Subscription.objects.create(kind="webhook", target=http_receiver.url)
    with monkeypatch.context() as patched:
        patched.setattr(app, "send_task", broker_down)
        from django.db import transaction

        with transaction.atomic():
            outbox_enqueue(subscription=subscription, key="k1", payload=_webhook_payload())
    assert Delivery.objects.get().status == "pending"
    assert outbox_sweep() == 1  # the broker is back
    wait_for(lambda: Delivery.objects.filter(status="delivered").exists())
    assert len(http_receiver.requests) == 1


def test_a_webhook_resolving_to_a_private_address_is_refused_without_a_request(webhook, http_receiver, settings):
    settings.NOTIFICATIONS_ALLOW_PRIVATE_HOSTS = False
    webhook.target = http_receiver.url  # 127.0.0.1
    webhook.save()
    delivery = outbox_enqueue(subscription=webhook, key="k-private", payload=_webhook_payload())
    outbox_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "failed" and "non-public address 127.0.0.1" in delivery.last_error
    assert http_receiver.requests == []


@pytest.mark.parametrize("target", ["not a url at all", "htp://typo.example/hook"])
def test_a_malformed_address_fails_at_once_instead_of_retrying(target):
    webhook = Subscription.objects.create(kind="webhook", target=target, secret="s3cret", topics=["t"])
    delivery = outbox_enqueue(subscription=webhook, key="k1", payload=_webhook_payload())
    assert _send_now(delivery) == "failed"
    assert Delivery.objects.get().attempts == 1


def test_a_subject_with_a_line_break_is_sent_on_one_line():
    # Queued before titles had to be one line: the subject held the title's line break.
    subscription = Subscription.objects.create(kind="email", target="mia@example.com", topics=["addendum"])
    payload = {"subject": "Bulletin 2026-W48 addendum: Neue\nLieferzeit", "text": "…"}
    delivery = outbox_enqueue(subscription=subscription, key="addendum:1", payload=payload)
    assert _send_now(delivery) == "delivered"
    assert mail.outbox[0].subject == "Bulletin 2026-W48 addendum: Neue Lieferzeit"
