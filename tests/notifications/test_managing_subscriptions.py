"""People manage their own e-mail subscriptions on /notifications/, and leads their team's Slack channels and
webhooks, with a test message that shows the receiver's answer."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from standardwebhooks import Webhook

from notifications.models import Delivery, Subscription
from notifications.outbox import outbox_enqueue, outbox_send
from notifications.subscriptions import subscriptions_for_topic
from tests.receivers import free_port

pytestmark = pytest.mark.django_db

SLACK_URL = "https://hooks.slack.com/services/T000/B000/XXXXXXXX"


def _page(client, language="en") -> str:
    return client.get("/notifications/", HTTP_ACCEPT_LANGUAGE=language).content.decode()


def _messages(html: str) -> list[str]:
    listed = re.search(r'<ul class="messages">(.*?)</ul>', html, flags=re.S)
    items = re.findall(r"<li[^>]*>(.*?)</li>", listed.group(1), flags=re.S) if listed else []
    return [re.sub(r"\s+", " ", item).strip() for item in items]


def _field_errors(html: str, field: str) -> str:
    found = re.search(rf'<div class="field-errors" id="id_{field}_errors">(.*?)</div>', html, flags=re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)).strip() if found else ""


def _slack_of(team_slug: str, **fields) -> Subscription:
    values = {"kind": "slack", "scope": f"team:{team_slug}", "target": SLACK_URL, "topics": ["digest"]}
    return Subscription.objects.create(**{**values, **fields})


# --- A person's own e-mail ----------------------------------------------------------------------


def test_an_agent_narrows_their_digest_to_one_team(client, agent, team):
    subscription = Subscription.objects.get(user=agent)
    client.force_login(agent)
    form = client.get(f"/notifications/{subscription.pk}/").content.decode()
    assert 'value="einkauf"' in form and "Einkauf" in form
    response = client.post(f"/notifications/{subscription.pk}/", {"topics": ["digest"], "teams": ["einkauf"]})
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert (subscription.topics, subscription.teams, subscription.target) == (["digest"], ["einkauf"], agent.email)
    assert "Teams: Einkauf" in _page(client)


def test_a_person_adds_a_second_email_subscription_to_their_own_address(client, agent):
    client.force_login(agent)
    response = client.post("/notifications/new/email/", {"topics": ["addendum"], "categories": ["pricing"]})
    assert response.status_code == 302
    added = Subscription.objects.get(user=agent, topics=["addendum"])
    assert (added.kind, added.target, added.scope, added.categories) == ("email", agent.email, "", ["pricing"])
    assert len(re.findall(r'<tr id="subscription-', _page(client))) == 2


def test_sending_nothing_is_an_error_beside_the_field(client, agent):
    subscription = Subscription.objects.get(user=agent)
    client.force_login(agent)
    response = client.post(f"/notifications/{subscription.pk}/", {"teams": ["nobody"]})
    html = response.content.decode()
    assert response.status_code == 400
    assert _field_errors(html, "topics") == "Choose at least one thing to send."
    assert "nobody is not one of the available choices" in _field_errors(html, "teams")
    subscription.refresh_from_db()
    assert subscription.topics == ["digest", "addendum"] and subscription.teams == []


def test_another_users_subscription_is_not_there(client, agent, make_user):
    theirs = Subscription.objects.get(user=agent)
    client.force_login(make_user("tom"))
    assert client.get(f"/notifications/{theirs.pk}/").status_code == 404
    for action, data in (("switch", {"active": "off"}), ("delete", {}), ("test", {}), ("secret", {})):
        assert client.post(f"/notifications/{theirs.pk}/{action}/", data).status_code == 404, action
    theirs.refresh_from_db()
    assert theirs.active and theirs.deactivated_reason == ""
    assert agent.email not in _page(client)
    assert client.get("/notifications/99999999999999999999999/").status_code == 404  # past any id: not there, no 500


def test_switching_off_says_when_and_switching_on_again_forgets_it(client, agent):
    subscription = Subscription.objects.get(user=agent)
    client.force_login(agent)
    client.post(f"/notifications/{subscription.pk}/switch/", {"active": "off"})
    subscription.refresh_from_db()
    assert not subscription.active and subscription.deactivated_at is not None
    assert "Switched off on" in _page(client)
    assert client.post(f"/notifications/{subscription.pk}/switch/", {"active": "maybe"}).status_code == 400
    client.post(f"/notifications/{subscription.pk}/switch/", {"active": "on"})
    subscription.refresh_from_db()
    assert subscription.active and subscription.deactivated_at is None


def test_a_deleted_subscription_is_gone_from_the_page_and_sends_nothing(client, agent):
    subscription = Subscription.objects.get(user=agent)
    client.force_login(agent)
    assert client.post(f"/notifications/{subscription.pk}/delete/").status_code == 302
    subscription.refresh_from_db()
    assert (subscription.active, subscription.deactivated_reason) == (False, "deleted")  # the log stays readable
    assert f'id="subscription-{subscription.pk}"' not in _page(client)
    assert subscription not in subscriptions_for_topic("digest")
    assert client.get(f"/notifications/{subscription.pk}/").status_code == 404
    # "Subscribe" after deleting every one brings the default back, not the deleted one.
    client.post("/notifications/", {"action": "subscribe"})
    assert Subscription.objects.filter(user=agent, active=True).exclude(pk=subscription.pk).count() == 1


def test_a_person_cannot_add_slack_or_webhooks_of_their_own(client, agent):
    client.force_login(agent)
    assert client.get("/notifications/new/slack/").status_code == 404
    assert (
        client.post("/notifications/new/webhook/", {"target": "https://x.example/", "topics": ["change"]}).status_code
        == 404
    )
    assert client.get("/notifications/new/fax/").status_code == 404


# --- A team's Slack channels and webhooks --------------------------------------------------------


def test_an_agent_cannot_manage_a_teams_slack(client, agent, team):
    slack = _slack_of(team.slug)
    client.force_login(agent)
    html = _page(client)
    assert "Add a Slack channel" not in html and SLACK_URL not in html
    assert client.get("/notifications/new/slack/?scope=team:einkauf").status_code == 404
    response = client.post("/notifications/new/slack/?scope=team:einkauf", {"target": SLACK_URL, "topics": ["digest"]})
    assert response.status_code == 404
    assert client.get(f"/notifications/{slack.pk}/").status_code == 404
    assert client.post(f"/notifications/{slack.pk}/switch/", {"active": "off"}).status_code == 404
    assert Subscription.objects.filter(kind="slack").count() == 1 and Subscription.objects.get(kind="slack").active


def test_a_lead_of_one_team_cannot_touch_another_teams(client, lead, other_team, http_receiver):
    theirs = _slack_of(other_team.slug, target=http_receiver.url)
    client.force_login(lead)
    assert "Team Logistik" not in _page(client) and "Team Einkauf" in _page(client)
    assert client.get(f"/notifications/new/slack/?scope=team:{other_team.slug}").status_code == 404
    assert client.get(f"/notifications/{theirs.pk}/").status_code == 404
    for action in ("switch", "delete", "test"):
        assert client.post(f"/notifications/{theirs.pk}/{action}/", {"active": "off"}).status_code == 404, action
    assert http_receiver.requests == []
    theirs.refresh_from_db()
    assert theirs.active and theirs.deactivated_reason == ""


def test_a_lead_adds_a_slack_channel_that_hears_every_team_until_narrowed(client, lead, team, http_receiver):
    client.force_login(lead)
    form = client.get("/notifications/new/slack/?scope=team:einkauf").content.decode()
    assert "For Team Einkauf" in form
    assert re.search(r'value="digest"[^>]*checked', form) and not re.search(r'value="einkauf"[^>]*checked', form)
    response = client.post(
        "/notifications/new/slack/?scope=team:einkauf", {"target": http_receiver.url, "topics": ["digest", "addendum"]}
    )
    assert response.status_code == 302
    slack = Subscription.objects.get(kind="slack")
    assert (slack.scope, slack.user, slack.created_by, slack.teams) == ("team:einkauf", None, lead, [])
    html = _page(client)
    section = html.split('id="scope-teameinkauf"')[1]
    assert http_receiver.url in section and "Added by lead on" in section and "Teams: all" in section
    assert slack in subscriptions_for_topic("digest")


def test_a_teams_slack_channel_outlives_the_lead_who_made_it(client, lead, team, make_user):
    client.force_login(lead)
    client.post("/notifications/new/slack/?scope=team:einkauf", {"target": SLACK_URL, "topics": ["digest"]})
    get_user_model().objects.filter(pk=lead.pk).delete()
    slack = Subscription.objects.get(kind="slack")
    assert slack.active and slack.created_by is None and slack in subscriptions_for_topic("digest")
    successor = make_user("nachfolger", team=team, role="lead")
    client.force_login(successor)
    assert f'id="subscription-{slack.pk}"' in _page(client) and "Added on" in _page(client)


def test_staff_manage_every_teams_subscriptions(client, staff, team, other_team):
    slack = _slack_of(other_team.slug)
    client.force_login(staff)
    html = _page(client)
    assert "Team Einkauf" in html and "Team Logistik" in html
    response = client.post(
        f"/notifications/{slack.pk}/", {"target": SLACK_URL, "topics": ["addendum"], "teams": ["logistik"]}
    )
    assert response.status_code == 302
    slack.refresh_from_db()
    assert (slack.topics, slack.teams) == (["addendum"], ["logistik"])


@pytest.mark.parametrize(
    ("kind", "url", "error"),
    [
        ("slack", "ftp://hooks.slack.com/services/x", "Only http and https URLs can receive webhooks."),
        ("webhook", "not a url at all", "Enter a valid URL."),
        ("webhook", "http://[::1", "Enter a valid URL."),
        ("slack", "https://chat.example.com/hooks/x", "NOTIFICATIONS_ALLOW_PRIVATE_HOSTS"),
        ("slack", "http://hooks.slack.com/services/x", "starts with https://hooks.slack.com/"),
        ("webhook", "http://127.0.0.1:6379/", "public address, not localhost or a private IP"),
        ("webhook", "http://10.0.0.5/hook", "public address, not localhost or a private IP"),
    ],
)
def test_a_refused_url_is_an_error_beside_the_field(client, lead, settings, kind, url, error):
    settings.NOTIFICATIONS_ALLOW_PRIVATE_HOSTS = False
    client.force_login(lead)
    response = client.post(
        f"/notifications/new/{kind}/?scope=team:einkauf",
        {"target": url, "topics": ["digest" if kind == "slack" else "change"]},
    )
    assert response.status_code == 400
    assert error in _field_errors(response.content.decode(), "target")
    assert not Subscription.objects.filter(kind=kind).exists()


def test_with_private_hosts_allowed_slack_may_go_to_another_receiver(client, lead, settings):
    settings.NOTIFICATIONS_ALLOW_PRIVATE_HOSTS = True
    client.force_login(lead)
    response = client.post(
        "/notifications/new/slack/?scope=team:einkauf",
        {"target": "http://mattermost.internal/hooks/x", "topics": ["digest"]},
    )
    assert response.status_code == 302


def test_the_test_message_shows_the_receivers_answer(client, lead, team, http_receiver):
    slack = _slack_of(team.slug, target=http_receiver.url, topics=["digest", "addendum"])
    client.force_login(lead)
    html = client.post(f"/notifications/{slack.pk}/test/", follow=True).content.decode()
    assert _messages(html) == ["Test message delivered: the receiver answered HTTP 200: ok"]
    [request] = http_receiver.requests
    assert "A test message from Bulletin, sent by lead" in request["body"].decode()
    delivery = Delivery.objects.get(subscription=slack)
    assert delivery.key.startswith("test:") and delivery.status == "delivered"
    assert delivery.attempt_log.get().status_code == 200


def test_a_refusing_receiver_and_a_missing_one_are_shown_as_they_answered(client, lead, team, http_receiver):
    http_receiver.script = [410]
    slack = _slack_of(team.slug, target=http_receiver.url)
    client.force_login(lead)
    html = client.post(f"/notifications/{slack.pk}/test/", follow=True).content.decode()
    assert _messages(html) == ["Test message refused: the receiver answered HTTP 410: nope"]
    slack.refresh_from_db()
    assert slack.active  # a person read the answer: a test switches nothing off
    slack.target = f"http://127.0.0.1:{free_port()}/hook"
    slack.save()
    [message] = _messages(client.post(f"/notifications/{slack.pk}/test/", follow=True).content.decode())
    assert message.startswith("Test message not delivered: no answer (ConnectionError")
    assert not Delivery.objects.filter(status__in=["pending", "sending"]).exists()  # nothing is sent again later


def test_a_webhook_made_on_the_page_shows_its_secret_once_and_signs_the_test(client, lead, http_receiver):
    client.force_login(lead)
    response = client.post(
        "/notifications/new/webhook/?scope=team:einkauf", {"target": http_receiver.url, "topics": ["change"]}
    )
    webhook = Subscription.objects.get(kind="webhook")
    assert response.status_code == 302 and response["Location"] == f"/notifications/{webhook.pk}/secret/"
    shown = client.get(response["Location"]).content.decode()
    assert webhook.secret.startswith("whsec_") and webhook.secret in shown
    assert webhook.secret not in client.get(response["Location"]).content.decode()  # once
    assert webhook.secret not in _page(client)
    client.post(f"/notifications/{webhook.pk}/test/")
    [request] = http_receiver.requests
    body = Webhook(webhook.secret).verify(request["body"], {k.lower(): v for k, v in request["headers"].items()})
    assert body["type"] == "test" and body["topics"] == ["change"]


def test_a_new_secret_replaces_the_old_one(client, lead, team):
    client.force_login(lead)
    client.post(
        "/notifications/new/webhook/?scope=team:einkauf",
        {"target": "https://hooks.example.com/x", "topics": ["change"]},
    )
    webhook = Subscription.objects.get(kind="webhook")
    old = webhook.secret
    response = client.post(f"/notifications/{webhook.pk}/secret/")
    webhook.refresh_from_db()
    assert webhook.secret != old and webhook.secret in client.get(response["Location"]).content.decode()


def test_a_slack_channel_its_receiver_switched_off_says_so_on_the_page(client, lead, team, http_receiver):
    http_receiver.script = [410]
    slack = _slack_of(team.slug, target=http_receiver.url)
    delivery = outbox_enqueue(subscription=slack, key="digest:2026-W49:r1", payload={"text": "hi"})
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert outbox_send(delivery_id=delivery.pk) == "failed"
    slack.refresh_from_db()
    assert (slack.active, slack.deactivated_reason) == (False, "gone") and slack.deactivated_at is not None
    client.force_login(lead)
    status = re.search(r'<small class="switched-off">(.*?)</small>', _page(client), flags=re.S).group(1)
    assert status.startswith("Switched off on ") and status.endswith(": the receiver answered 410 Gone.")
    client.post(f"/notifications/{slack.pk}/switch/", {"active": "on"})
    slack.refresh_from_db()
    assert slack.active and slack.deactivated_reason == "" and slack in subscriptions_for_topic("digest")


def test_the_page_asks_the_same_few_queries_however_many_teams_and_subscriptions(
    client, staff, make_team, django_assert_max_num_queries
):
    for number in range(12):
        team = make_team(f"team-{number}", f"Team {number}")
        _slack_of(team.slug, teams=[team.slug], categories=["pricing"], created_by=staff)
    client.force_login(staff)
    with django_assert_max_num_queries(8):
        html = _page(client)
    assert html.count('<tr id="subscription-') == 12


def test_every_form_needs_its_csrf_token(lead, team):
    slack = _slack_of(team.slug)
    client = Client(enforce_csrf_checks=True)
    client.force_login(lead)
    posts = [
        ("/notifications/new/slack/?scope=team:einkauf", {"target": SLACK_URL, "topics": ["digest"]}),
        (f"/notifications/{slack.pk}/", {"target": SLACK_URL, "topics": ["addendum"]}),
        (f"/notifications/{slack.pk}/switch/", {"active": "off"}),
        (f"/notifications/{slack.pk}/delete/", {}),
        (f"/notifications/{slack.pk}/test/", {}),
        ("/notifications/", {"action": "unsubscribe"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    slack.refresh_from_db()
    assert slack.active and slack.topics == ["digest"] and Subscription.objects.filter(kind="slack").count() == 1
    assert 'name="csrfmiddlewaretoken"' in client.get(f"/notifications/{slack.pk}/").content.decode()


def test_the_navigation_links_to_the_subscriptions(client, agent):
    client.force_login(agent)
    html = client.get("/notifications/").content.decode()
    assert '<a href="/notifications/" aria-current="page">Subscriptions</a>' in html


def test_the_page_in_german(client, lead, team, http_receiver):
    slack = _slack_of(team.slug, target=http_receiver.url)
    client.force_login(lead)
    html = _page(client, "de")
    assert "Slack-Kanal hinzufügen" in html and "Testnachricht senden" in html and "Team Einkauf" in html
    response = client.post(f"/notifications/{slack.pk}/test/", follow=True, HTTP_ACCEPT_LANGUAGE="de")
    assert _messages(response.content.decode()) == [
        "Testnachricht zugestellt: Der Empfänger antwortete mit HTTP 200: ok"
    ]
    assert "Eine Testnachricht von Bulletin" in http_receiver.requests[0]["body"].decode()
    response = client.post(
        "/notifications/new/slack/?scope=team:einkauf", {"target": "ftp://x.example/"}, HTTP_ACCEPT_LANGUAGE="de"
    )
    html = response.content.decode()
    assert _field_errors(html, "target") == "Nur http- und https-URLs können Webhooks empfangen."
    assert _field_errors(html, "topics") == "Wählen Sie mindestens eines aus, das gesendet werden soll."


def test_the_list_hides_a_slack_urls_secret_part_from_the_page(client, lead, team):
    secret = "abcdefghijklmnopqrstuvwx"
    Subscription.objects.create(
        kind="slack", scope=f"team:{team.slug}", target=f"https://hooks.slack.com/services/T0/B0/{secret}",
        topics=["digest"],
    )
    client.force_login(lead)
    page = client.get("/notifications/").content.decode()
    assert "https://hooks.slack.com/services/T0/B0/…uvwx" in page and secret not in page
