import base64
import json
import re

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from standardwebhooks import Webhook

from bulletin.webhooks.events import change_event_fan_out, webhook_subscribe
from changes import services
from notifications.models import Delivery, Subscription
from notifications.outbox import outbox_send
from notifications.transports import sign
from tests.conftest import wait_for
from tests.receivers import free_port, start_http_receiver

SECRET = "a-long-enough-secret"
# How a receiver holds SECRET for the Standard Webhooks library: a secret from before whsec_ is its base64.
RECEIVER = Webhook("whsec_" + base64.b64encode(SECRET.encode()).decode())


def _verified(request) -> dict:
    """The body, as the receiver's library verifies it; raises WebhookVerificationError when it does not."""
    return RECEIVER.verify(request["body"], {name.lower(): value for name, value in request["headers"].items()})


@pytest.fixture(autouse=True)
def fast_retries(settings):
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 0.1
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 6
    settings.API_THROTTLE_RATE = "100000/minute"


@pytest.fixture
def api(db):
    def make(user):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
        return client

    return make


# --- Registering ----------------------------------------------------------------


def test_consumer_registers_a_webhook_and_sees_only_their_own(api, make_user):
    consumer, stranger = make_user("bot"), make_user("otherbot")
    webhook_subscribe(user=stranger, url="https://other.example/hook", secret=SECRET)
    client = api(consumer)
    response = client.post("/api/v1/webhooks/", {"url": "https://bot.example/hook", "secret": SECRET}, format="json")
    assert response.status_code == 201, response.json()
    assert "secret" not in response.json()
    subscription = Subscription.objects.get(user=consumer)
    assert (subscription.kind, subscription.target, subscription.secret, subscription.topics) == (
        "webhook", "https://bot.example/hook", SECRET, ["change"],
    )  # fmt: skip
    assert [hook["url"] for hook in client.get("/api/v1/webhooks/").json()] == ["https://bot.example/hook"]


def test_a_webhook_for_some_teams_answers_with_their_slugs(api, make_user, team):
    client = api(make_user("bot"))
    response = client.post(
        "/api/v1/webhooks/", {"url": "https://bot.example/hook", "secret": SECRET, "teams": [team.slug]}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["teams"] == [team.slug]
    assert [hook["teams"] for hook in client.get("/api/v1/webhooks/").json()] == [[team.slug]]
    assert Subscription.objects.get().teams == [team.slug]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://bot.example/hook", "secret": SECRET}, "url"),
        ({"url": "not a url", "secret": SECRET}, "url"),
        ({"url": "https://bot.example/hook", "secret": "short"}, "secret"),
        ({"url": "https://bot.example/hook", "secret": "whsec_c2hvcnQ="}, "secret"),  # 5 bytes
        ({"url": "https://bot.example/hook", "secret": SECRET, "teams": ["nobody"]}, "teams"),
    ],
)
def test_a_bad_webhook_is_a_400_naming_the_field(api, make_user, body, field):
    response = api(make_user()).post("/api/v1/webhooks/", body, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not Subscription.objects.exists()


def test_deleting_stops_ones_own_webhook_only(api, make_user):
    owner, stranger = make_user(), make_user()
    subscription = webhook_subscribe(user=owner, url="https://bot.example/hook", secret=SECRET)
    assert api(stranger).delete(f"/api/v1/webhooks/{subscription.pk}/").status_code == 404
    assert api(owner).delete(f"/api/v1/webhooks/{subscription.pk}/").status_code == 204
    subscription.refresh_from_db()
    assert not subscription.active
    assert api(owner).get("/api/v1/webhooks/").json() == []


def test_a_webhook_its_receiver_switched_off_is_listed_with_the_reason_until_deleted(
    api, make_user, team, make_change, http_receiver
):
    http_receiver.script = [410]
    client = api(make_user("bot"))
    made = client.post("/api/v1/webhooks/", {"url": http_receiver.url, "secret": SECRET}, format="json").json()
    assert (made["active"], made["deactivated_at"], made["deactivated_reason"]) == (True, None, None)
    change_event_fan_out(change=make_change(team=team, status="published"), revision=1, event="change.published")
    delivery = Delivery.objects.get()
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert outbox_send(delivery_id=delivery.pk) == "failed"  # the receiver answered 410 Gone
    [listed] = client.get("/api/v1/webhooks/").json()
    assert (listed["id"], listed["active"], listed["deactivated_reason"]) == (made["id"], False, "gone")
    assert parse_datetime(listed["deactivated_at"]) <= timezone.now()
    assert client.delete(f"/api/v1/webhooks/{made['id']}/").status_code == 204
    assert client.get("/api/v1/webhooks/").json() == []


def test_the_schema_declares_why_a_webhook_was_switched_off(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    webhook = schema["components"]["schemas"]["Webhook"]
    assert {"active", "deactivated_at", "deactivated_reason"} <= set(webhook["required"])
    properties = webhook["properties"]
    assert properties["active"] == {**properties["active"], "type": "boolean", "readOnly": True}
    assert properties["deactivated_at"]["nullable"] is True
    reason = json.dumps(properties["deactivated_reason"])
    refs = [ref.rsplit("/", 1)[1] for ref in re.findall(r'"\$ref": "([^"]+)"', reason)]
    enums = [value for name in refs for value in schema["components"]["schemas"][name].get("enum", [])]
    assert "gone" in enums and None in enums  # "gone", or null while it is active


def test_anonymous_cannot_register(client):
    assert client.post("/api/v1/webhooks/", {}, content_type="application/json").status_code == 401


# --- Fan-out --------------------------------------------------------------------


@pytest.mark.django_db
def test_an_event_is_queued_once_per_revision(team, make_change, make_user):
    subscription = webhook_subscribe(user=make_user(), url="https://bot.example/hook", secret=SECRET)
    change = make_change(team=team, status="published")
    assert change_event_fan_out(change=change, revision=1, event="change.published") == 1
    assert change_event_fan_out(change=change, revision=1, event="change.published") == 0
    assert change_event_fan_out(change=change, revision=2, event="change.updated") == 1
    assert sorted(Delivery.objects.filter(subscription=subscription).values_list("key", flat=True)) == [
        f"change:{change.pk}:r1:change.published",
        f"change:{change.pk}:r2:change.updated",
    ]


@pytest.mark.django_db
def test_a_webhook_for_another_team_hears_nothing(team, make_change, make_user):
    webhook_subscribe(user=make_user(), url="https://bot.example/hook", secret=SECRET, teams=["logistik"])
    Subscription.objects.create(kind="email", target="x@example.com", topics=["change"])
    change = make_change(team=team, status="published")
    assert change_event_fan_out(change=change, revision=1, event="change.published") == 0
    assert not Delivery.objects.exists()


@pytest.mark.django_db
def test_inactive_webhooks_and_other_topics_hear_nothing(team, make_change, make_user):
    Subscription.objects.create(kind="webhook", target="https://a.example/", topics=["change"], active=False)
    Subscription.objects.create(kind="webhook", target="https://b.example/", topics=["digest"])
    change = make_change(team=team, status="published")
    assert change_event_fan_out(change=change, revision=1, event="change.published") == 0


# --- Delivery with a real worker and a real receiver ------------------------------


def _event_bodies(receiver):
    return [json.loads(request["body"]) for request in receiver.requests if request["status"] < 300]


def test_publish_edit_and_withdraw_each_reach_the_webhook_signed(
    celery_worker, http_receiver, lead, team, make_change, make_user
):
    webhook_subscribe(user=make_user(), url=http_receiver.url, secret=SECRET)
    change = make_change(team=team, facts=[("alt", "neu")])
    services.change_publish(change=change, user=lead)
    services.change_update(change=change, user=lead, data={"title": "Neu"})
    services.change_withdraw(change=change, user=lead)
    wait_for(lambda: Delivery.objects.filter(status="delivered").count() == 3)
    bodies = sorted(_event_bodies(http_receiver), key=lambda body: body["occurred_at"])
    assert [(body["type"], body["revision"]) for body in bodies] == [
        ("change.published", 1), ("change.updated", 2), ("change.withdrawn", 2),
    ]  # fmt: skip
    assert bodies[1]["change"]["title"] == "Neu" and bodies[1]["change"]["fact_changes"][0]["old_text"] == "alt"
    for request in http_receiver.requests:
        assert _verified(request) == json.loads(request["body"])
        assert request["headers"]["X-Bulletin-Signature"] == sign(SECRET, request["body"])  # deprecated


def test_server_errors_are_retried_until_delivered(celery_worker, http_receiver, lead, team, make_change, make_user):
    http_receiver.script = [500, 503]
    webhook_subscribe(user=make_user(), url=http_receiver.url, secret=SECRET)
    services.change_publish(change=make_change(team=team), user=lead)
    delivery = wait_for(lambda: Delivery.objects.filter(status="delivered").first())
    assert [attempt.status_code for attempt in delivery.attempt_log.all()] == [500, 503, 200]
    assert len(_event_bodies(http_receiver)) == 1


def test_a_client_error_stops_and_marks_the_delivery_failed(
    celery_worker, http_receiver, lead, team, make_change, make_user
):
    http_receiver.script = [410]
    webhook_subscribe(user=make_user(), url=http_receiver.url, secret=SECRET)
    services.change_publish(change=make_change(team=team), user=lead)
    delivery = wait_for(lambda: Delivery.objects.filter(status="failed").first())
    assert delivery.attempts == 1 and "HTTP 410" in delivery.last_error
    assert len(http_receiver.requests) == 1


def test_an_outage_of_the_receiver_loses_nothing(celery_worker, lead, team, make_change, make_user):
    port = free_port()
    webhook_subscribe(user=make_user(), url=f"http://127.0.0.1:{port}/hook", secret=SECRET)
    services.change_publish(change=make_change(team=team), user=lead)
    delivery = wait_for(lambda: Delivery.objects.filter(attempts__gte=1, status="pending").first())
    assert "ConnectionError" in delivery.last_error
    receiver, server = start_http_receiver(port=port)  # the receiver comes back
    try:
        wait_for(lambda: Delivery.objects.filter(status="delivered").exists())
        assert len(receiver.requests) == 1
        assert receiver.requests[0]["headers"]["X-Bulletin-Signature"] == sign(SECRET, receiver.requests[0]["body"])
        _verified(receiver.requests[0])
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:6379/", "http://localhost/hook", "http://10.0.0.5/hook", "http://169.254.169.254/latest"]
)
def test_a_webhook_to_the_services_own_network_is_a_400(api, make_user, settings, url):
    settings.NOTIFICATIONS_ALLOW_PRIVATE_HOSTS = False
    response = api(make_user()).post("/api/v1/webhooks/", {"url": url, "secret": SECRET}, format="json")
    assert response.status_code == 400 and "url" in response.json()
    assert not Subscription.objects.exists()
