"""The subscriptions page (also at /notifications/email/, where e-mails link) names topics and filters as people
say them, not as they are stored."""

import re

import pytest

from notifications.models import Subscription

pytestmark = pytest.mark.django_db


def _text(cell: str) -> str:
    return re.sub(r"<[^>]+>", "", re.sub(r"\s*<br>\s*", " | ", cell)).strip()


def _rows(client, language="en") -> list[list[str]]:
    """The tables of the user's subscriptions, each row's first five cells as text (line breaks as " | "): sent
    by, address, topics, filters, status."""
    html = client.get("/notifications/email/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    rows = []
    for body in re.findall(r"<tbody>(.*?)</tbody>", html, flags=re.S):
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S):
            cells = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
            rows.append([_text(cell) for cell in cells[:5]])
    return rows


def test_the_default_subscription_names_its_topics_and_says_all_for_empty_filters(client, make_user):
    mia = make_user("mia")
    Subscription.objects.create(user=mia, kind="email", target=mia.email, topics=["digest", "addendum"])
    client.force_login(mia)
    html = client.get("/notifications/email/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<th>Sent by</th>" in html and "<th>Filters</th>" in html
    assert _rows(client) == [[
        "E-mail",
        "mia@example.com",
        "Weekly digest (Monday) | Late news between digests",
        "Teams: all | Categories: all | Channels: all | Tags: all",
        "On",
    ]]
    for code in ("digest, addendum", "addendum", "addenda", "Kind"):
        assert code not in html.split("<main>")[1], code


def test_reminders_and_unknown_topics(client, make_user):
    mia = make_user("mia")
    Subscription.objects.create(user=mia, kind="email", target=mia.email, topics=["handover_reminder", "monthly-kpis"])
    client.force_login(mia)
    assert _rows(client)[0][2] == "Handover reminders | monthly-kpis"


def test_filters_show_the_names_of_teams_categories_and_channels(client, make_user, team):
    mia = make_user("mia")
    Subscription.objects.create(
        user=mia, kind="slack", target="https://hooks.slack.com/services/T/B/x", topics=["digest"],
        teams=["einkauf", "gone-team"], categories=["pricing", "returns"], channels=["chat", "bot"],
        tags=["black-friday"], active=False,
    )
    client.force_login(mia)
    [row] = _rows(client)
    assert row[0] == "Slack" and row[4] == "Off"
    # A team or value that no longer exists shows as it is stored.
    assert row[3] == (
        "Teams: Einkauf, gone-team | Categories: Pricing, Returns | Channels: Chat, Chatbot | Tags: black-friday"
    )


def test_the_digest_topic_names_the_weekday_it_goes_out_on(client, make_user, settings):
    settings.DIGEST_WEEKDAY = "wed"
    mia = make_user("mia")
    Subscription.objects.create(user=mia, kind="email", target=mia.email, topics=["digest"])
    client.force_login(mia)
    assert _rows(client)[0][2] == "Weekly digest (Wednesday)"


def test_the_page_in_german(client, make_user):
    mia = make_user("mia")
    Subscription.objects.create(
        user=mia, kind="email", target=mia.email, topics=["digest", "addendum", "handover_reminder"],
        categories=["pricing"],
    )
    client.force_login(mia)
    html = client.get("/notifications/email/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Ihre E-Mail-Abonnements gehen an mia@example.com." in html
    [row] = _rows(client, "de")
    assert row[2] == "Wochenübersicht (montags) | Nachträge zwischen den Wochenübersichten | Erinnerungen an Übergaben"
    assert row[3] == "Teams: alle | Kategorien: Preise | Kanäle: alle | Schlagwörter: alle"
