"""With Redis down, leads still file and publish; the work waits in the database until the broker is back."""

import pytest
from django.urls import reverse

from changes.models import Change
from notifications.models import Delivery, Subscription
from notifications.outbox import outbox_sweep


@pytest.mark.django_db(transaction=True)
def test_publishing_succeeds_with_the_broker_down_and_the_sweep_sends_later(client, lead, team, make_change,
                                                                            fake_broker):
    webhook = Subscription.objects.create(kind="webhook", target="http://127.0.0.1:9/hook", topics=["change"])
    change = make_change(team=team, facts=[("5–7 Werktage", "10–14 Werktage")])
    fake_broker.down = True
    client.force_login(lead)
    response = client.post(reverse("changes:publish", args=[change.pk]))

    assert response.status_code == 302
    assert Change.objects.get(pk=change.pk).status == Change.Status.PUBLISHED
    delivery = Delivery.objects.get(subscription=webhook)
    assert delivery.status == Delivery.Status.PENDING

    fake_broker.down = False  # the broker is back
    assert outbox_sweep() == 1
    assert ("notifications.tasks.outbox_deliver", (delivery.pk,)) in fake_broker.sent
