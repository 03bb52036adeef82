"""What a webhook receiver gets, without a second call; and whose webhooks hear anything."""

import pytest

from bulletin.webhooks.events import change_event_fan_out, webhook_subscribe
from notifications.models import Delivery

pytestmark = pytest.mark.django_db


def test_an_update_carries_the_change_as_the_api_has_it_its_page_and_the_fields_that_changed(
    make_change, team, make_user
):
    webhook_subscribe(user=make_user("bot"), url="https://hooks.example.com/x", secret="a-long-enough-secret")
    change = make_change(team=team, status="published", facts=[("alt", "neu")])
    change_event_fan_out(change=change, revision=2, event="change.updated", changed_fields=["title", "fact_changes"])
    body = Delivery.objects.get().payload["body"]
    assert body["url"].endswith(f"/changes/{change.pk}/")
    assert body["changed_fields"] == ["title", "fact_changes"]
    assert body["change"]["state"] == "planned" and body["change"]["fact_changes"][0]["old_text"] == "alt"


def test_the_webhooks_of_a_deactivated_account_hear_nothing(make_change, team, make_user):
    owner = make_user("bot")
    webhook_subscribe(user=owner, url="https://hooks.example.com/x", secret="a-long-enough-secret")
    owner.is_active = False
    owner.save()
    change = make_change(team=team, status="published")
    assert change_event_fan_out(change=change, revision=1, event="change.published") == 0
    assert not Delivery.objects.exists()
