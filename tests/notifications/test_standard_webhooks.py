"""Webhooks signed as Standard Webhooks describes, verified with the `standardwebhooks` package receivers use."""

import base64
import datetime

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient
from standardwebhooks import Webhook, WebhookVerificationError

from notifications.models import Delivery, Subscription
from notifications.outbox import outbox_enqueue, outbox_send
from notifications.transports import secret_new, sign

pytestmark = pytest.mark.django_db

SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123").decode()


def _deliver(http_receiver, secret, key="change.published:7:r1"):
    subscription = Subscription.objects.create(kind="webhook", target=http_receiver.url, secret=secret, topics=["t"])
    payload = {"event": "change.published", "body": {"type": "change.published", "change": {"id": 7}}}
    delivery = outbox_enqueue(subscription=subscription, key=key, payload=payload)
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert outbox_send(delivery_id=delivery.pk) == "delivered"
    request = http_receiver.requests[-1]
    return request["body"], {name.lower(): value for name, value in request["headers"].items()}


def test_every_delivery_verifies_with_the_standardwebhooks_library(http_receiver):
    body, headers = _deliver(http_receiver, SECRET)
    assert Webhook(SECRET).verify(body, headers) == {"type": "change.published", "change": {"id": 7}}
    assert headers["webhook-id"].startswith("msg_") and headers["webhook-signature"].startswith("v1,")
    assert headers["x-bulletin-signature"] == sign(SECRET, body)  # deprecated, still sent for one release


def test_a_replay_with_an_old_timestamp_and_a_changed_body_are_refused(http_receiver):
    body, headers = _deliver(http_receiver, SECRET)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=10)), pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(body.replace(b"7", b"8"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret_new()).verify(body, headers)  # someone else's secret


def test_a_secret_from_before_the_standard_verifies_as_whsec_of_its_bytes(http_receiver):
    legacy = "an-old-secret-of-ours"
    body, headers = _deliver(http_receiver, legacy)
    Webhook("whsec_" + base64.b64encode(legacy.encode()).decode()).verify(body, headers)


def test_a_retry_keeps_its_id_and_signs_its_own_timestamp(http_receiver):
    http_receiver.script = [503]
    subscription = Subscription.objects.create(kind="webhook", target=http_receiver.url, secret=SECRET, topics=["t"])
    delivery = outbox_enqueue(subscription=subscription, key="k", payload={"event": "e", "body": {"a": 1}})
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert outbox_send(delivery_id=delivery.pk) == "pending"
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=5)):
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        assert outbox_send(delivery_id=delivery.pk) == "delivered"
        first, second = ({k.lower(): v for k, v in r["headers"].items()} for r in http_receiver.requests)
        assert first["webhook-id"] == second["webhook-id"]
        assert int(second["webhook-timestamp"]) - int(first["webhook-timestamp"]) >= 299
        Webhook(SECRET).verify(http_receiver.requests[-1]["body"], second)


def test_registering_without_a_secret_answers_with_a_new_one_once(make_user, settings):
    settings.NOTIFICATIONS_ALLOW_PRIVATE_HOSTS = False
    client = APIClient()
    client.force_authenticate(make_user("helpdesk-bot"))
    made = client.post("/api/v1/webhooks/", {"url": "https://hooks.example.com/bulletin"}, format="json")
    assert made.status_code == 201 and made.json()["secret"].startswith("whsec_")
    Webhook(made.json()["secret"])  # a secret the library takes
    assert "secret" not in client.get("/api/v1/webhooks/").json()[0]
    bad = client.post("/api/v1/webhooks/", {"url": "https://hooks.example.com/x", "secret": "whsec_not base64!!"},
                      format="json")  # fmt: skip
    assert bad.status_code == 400 and "secret" in bad.json()


def test_a_receiver_answering_410_gone_switches_its_webhook_off(http_receiver):
    http_receiver.script = [410]
    subscription = Subscription.objects.create(kind="webhook", target=http_receiver.url, secret=SECRET, topics=["t"])
    delivery = outbox_enqueue(subscription=subscription, key="k", payload={"event": "e", "body": {"a": 1}})
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert outbox_send(delivery_id=delivery.pk) == "failed"
    subscription.refresh_from_db()
    delivery.refresh_from_db()
    assert not subscription.active and "gone" in delivery.last_error
