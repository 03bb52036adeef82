"""In a real browser, in English and in German: a lead adds their team's Slack channel, pointing at a local
receiver, and sees its answer to a test message; an agent narrows their e-mailed digest to one team."""

import json

import pytest

from changes.models import Membership
from notifications.models import Subscription
from tests.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en": {
        "locale": "en-GB",
        "nav": "Subscriptions",
        "add_slack": "Add a Slack channel",
        "save": "Save",
        "test": "Send a test message",
        "edit": "Edit",
        "bad_url": "Only http and https URLs can receive webhooks.",
        "answer": "Test message delivered: the receiver answered HTTP 200: ok",
        "sent_by": "A test message from Bulletin, sent by lars",
        "teams": "Teams: Einkauf",
    },
    "de": {
        "locale": "de-DE",
        "nav": "Abonnements",
        "add_slack": "Slack-Kanal hinzufügen",
        "save": "Speichern",
        "test": "Testnachricht senden",
        "edit": "Bearbeiten",
        "bad_url": "Nur http- und https-URLs können Webhooks empfangen.",
        "answer": "Testnachricht zugestellt: Der Empfänger antwortete mit HTTP 200: ok",
        "sent_by": "Eine Testnachricht von Bulletin, gesendet von lars",
        "teams": "Teams: Einkauf",
    },
}


def _page(browser, live_server, language):
    context = browser.new_context(locale=WORDS[language]["locale"], base_url=live_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.base_url = live_server.url
    return page


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_lead_adds_a_slack_channel_and_sees_the_receivers_answer_to_a_test(
    browser, live_server, make_user, make_team, http_receiver, language
):
    words = WORDS[language]
    make_user("lars", team=make_team("logistik", "Logistik"), role=Membership.Role.LEAD, password="pw-lars")
    page = _page(browser, live_server, language)
    log_in(page, "lars", "pw-lars")
    page.click(f".main-nav a:has-text('{words['nav']}')")
    page.click(f"#scope-teamlogistik a:has-text('{words['add_slack']}')")

    page.fill("#id_target", "ftp://hooks.slack.com/services/T/B/x")
    page.click(f"button:has-text('{words['save']}')")
    assert page.locator("#id_target_errors").inner_text().strip() == words["bad_url"]
    page.screenshot(path=f"/tmp/subs-slack-form-error-{language}.png", full_page=True)
    assert not Subscription.objects.exists()

    page.fill("#id_target", http_receiver.url)
    page.click(f"button:has-text('{words['save']}')")
    page.wait_for_url("**/notifications/#subscription-*")
    slack = Subscription.objects.get(kind="slack")
    assert (slack.scope, slack.target, slack.teams) == ("team:logistik", http_receiver.url, [])

    page.click(f"#subscription-{slack.pk} button:has-text('{words['test']}')")
    answer = page.wait_for_selector(".messages .success")
    assert answer.inner_text().strip() == words["answer"]
    page.screenshot(path=f"/tmp/subs-slack-test-{language}.png", full_page=True)
    [request] = http_receiver.requests
    assert json.loads(request["body"])["text"].startswith(words["sent_by"])


@pytest.mark.parametrize("language", ["en", "de"])
def test_an_agent_narrows_their_email_digest_to_one_team(browser, live_server, make_user, make_team, language):
    words = WORDS[language]
    make_team("einkauf", "Einkauf")
    mia = make_user("mia", team=make_team("support", "Support"), role=Membership.Role.AGENT, password="pw-mia")
    subscription = Subscription.objects.get(user=mia)
    page = _page(browser, live_server, language)
    log_in(page, "mia", "pw-mia")
    page.goto("/notifications/")
    page.click(f"#subscription-{subscription.pk} a:has-text('{words['edit']}')")
    page.check("input[name=teams][value=einkauf]")
    page.screenshot(path=f"/tmp/subs-email-form-{language}.png", full_page=True)
    page.click(f"button:has-text('{words['save']}')")
    page.wait_for_url("**/notifications/#subscription-*")
    filters = page.locator(f"#subscription-{subscription.pk} .subscription-filters").inner_text()
    assert filters.splitlines()[0] == words["teams"]
    page.screenshot(path=f"/tmp/subs-email-{language}.png", full_page=True)
    subscription.refresh_from_db()
    assert subscription.teams == ["einkauf"] and subscription.topics == ["digest", "addendum"]
