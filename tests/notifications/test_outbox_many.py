import pytest

from notifications.models import Delivery, Subscription
from notifications.outbox import outbox_enqueue, outbox_enqueue_many

pytestmark = pytest.mark.django_db


def _subscriptions(count):
    return [Subscription.objects.create(kind="email", target=f"s{i}@example.com", topics=["t"]) for i in range(count)]


def test_a_fan_out_records_one_message_per_subscription_once():
    subscriptions = _subscriptions(3)
    messages = [(s, {"subject": "s", "text": "t"}) for s in subscriptions]
    assert len(outbox_enqueue_many(key="digest:2026-W48:r1", messages=messages)) == 3
    assert outbox_enqueue_many(key="digest:2026-W48:r1", messages=messages) == []
    assert Delivery.objects.count() == 3


def test_a_fan_out_skips_subscriptions_that_already_have_the_message():
    first, second = _subscriptions(2)
    outbox_enqueue(subscription=first, key="k", payload={"subject": "s", "text": "t"})
    payload = {"subject": "s", "text": "t"}
    ids = outbox_enqueue_many(key="k", messages=[(first, payload), (second, payload)])
    assert Delivery.objects.get(pk__in=ids).subscription == second
