"""With Redis down, leads still file and publish; the work waits in the database until the broker is back."""

import pytest
from celery.app.task import Task
from django.urls import reverse

from changes.models import Change
from notifications.models import Delivery, Subscription
from notifications.outbox import outbox_sweep


@pytest.mark.django_db(transaction=True)
def test_publishing_succeeds_with_the_broker_down_and_the_sweep_sends_later(client, lead, team, make_change,
                                                                            monkeypatch):
    webhook = Subscription.objects.create(kind="webhook", target="http://127.0.0.1:9/hook", topics=["change"])
    change = make_change(team=team, facts=[("5–7 Werktage", "10–14 Werktage")])
    queued = []

    def broker_down(self, *args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(Task, "apply_async", broker_down)
    client.force_login(lead)
    response = client.post(reverse("changes:publish", args=[change.pk]))

    assert response.status_code == 302
    assert Change.objects.get(pk=change.pk).status == Change.Status.PUBLISHED
    delivery = Delivery.objects.get(subscription=webhook)
    assert delivery.status == Delivery.Status.PENDING

    monkeypatch.setattr(Task, "apply_async", lambda self, args=None, **kwargs: queued.append((self.name, args)))
    assert outbox_sweep() == 1  # the broker is back
    assert ("notifications.tasks.outbox_deliver", (delivery.pk,)) in queued
