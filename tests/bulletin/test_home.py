"""The home page: what is true for customers today, what starts and ends, and what waits on the reader."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bulletin.texts.flags import flags_scan_change
from changes.models import Change

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def published(make_change, team):
    def make(title, *, starts, ends=None, **fields):
        today = timezone.localdate()
        return make_change(
            team=team, title=title, status=Change.Status.PUBLISHED, effective_from=today + starts * DAY,
            effective_until=today + ends * DAY if ends is not None else None, **fields,
        )

    return make


def _home(client, user, **headers):
    client.force_login(user)
    response = client.get(reverse("home"), **headers)
    assert response.status_code == 200
    return response


def test_in_effect_today_is_grouped_by_channel_with_the_facts_now_true(client, agent, published):
    published("Lieferzeit", starts=-3, channels=["email", "chat"], facts=[("5–7 Werktage", "10–14 Werktage")])
    published("Retouren", starts=0, ends=0, channels=["phone"])
    published("Morgen", starts=1, channels=["email"])
    home = _home(client, agent).context["home"]
    groups = {group.channel: [change.title for change in group.changes] for group in home.by_channel}
    assert groups == {"email": ["Lieferzeit"], "chat": ["Lieferzeit"], "phone": ["Retouren"]}
    html = _home(client, agent, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<del>5–7 Werktage</del> → <ins>10–14 Werktage</ins>" in html
    assert '<h3 class="channel-heading">E-mail <span class="count">1</span></h3>' in html


def test_starting_soon_and_recently_ended_have_their_windows(client, agent, published, make_change, team):
    published("In 14 Tagen", starts=14)
    published("In 15 Tagen", starts=15)
    published("Gestern beendet", starts=-10, ends=-1)
    published("Vor 7 Tagen beendet", starts=-10, ends=-7)
    published("Vor 8 Tagen beendet", starts=-10, ends=-8)
    make_change(team=team, title="Entwurf", effective_from=timezone.localdate() + DAY)
    make_change(team=team, title="Zurückgezogen", status=Change.Status.WITHDRAWN)
    home = _home(client, agent).context["home"]
    assert [change.title for change in home.upcoming] == ["In 14 Tagen"]
    assert [change.title for change in home.ended] == ["Gestern beendet", "Vor 7 Tagen beendet"]  # latest first
    assert home.in_effect == []


def test_handovers_waiting_are_counted_with_the_urgent_ones(client, agent, published, support_lead, settings):
    from changes.services import change_acknowledge

    settings.BULLETIN_MIN_NOTICE_DAYS = 7
    published("Bald", starts=3)
    published("Läuft schon", starts=-1)
    published("Später", starts=40)
    change_acknowledge(change=published("Bestätigt", starts=2), user=support_lead)
    published("Vorbei", starts=-9, ends=-2)
    response = _home(client, agent, HTTP_ACCEPT_LANGUAGE="en")
    home = response.context["home"]
    assert [change.title for change in home.handovers] == ["Läuft schon", "Bald", "Später"]
    assert (home.handovers_total, home.handovers_urgent) == (3, 2)
    html = response.content.decode()
    assert "<strong>3</strong> handovers to confirm, 2 due" in html
    assert 'href="/changes/?handover=awaited&amp;sort=effective_asc"' in html
    listed = client.get(reverse("changes:list"), {"handover": "awaited"}).context["page"].object_list
    assert {change.title for change in listed} == {"Bald", "Läuft schon", "Später"}


def test_my_teams_open_and_overdue_flags_link_to_the_queue(client, make_user, make_text, published, support_team):
    from changes.models import Membership

    agent = make_user("anna", team=support_team, role=Membership.Role.AGENT)
    overdue = published("Überfällig", starts=-1, facts=[("5–7 Werktage", "10–14 Werktage")])
    due = published("Fällig", starts=5, facts=[("4,95 €", "5,95 €")])
    make_text("Lieferung in 5–7 Werktagen.", owner_team=support_team)
    make_text("Versand 4,95 € und 5–7 Werktage.", owner_team=support_team)
    make_text("Versand 4,95 €.")  # no owner: not the team's
    for change in (overdue, due):
        flags_scan_change(change_id=change.pk)
    response = _home(client, agent, HTTP_ACCEPT_LANGUAGE="en")
    [row] = response.context["home"].team_flags
    assert (row.team, row.open, row.overdue) == (support_team, 3, 2)
    html = response.content.decode()
    assert '<a href="/flags/?team=kundenservice&amp;status=open"><strong>3</strong> open flags for Kundenservice, ' \
           '2 overdue</a>' in html


def test_the_home_page_takes_the_same_queries_whatever_the_data(client, agent, published, make_text):
    def queries():
        client.force_login(agent)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("home")).status_code == 200
        return len(captured)

    published("Eins", starts=0, facts=[("a1", "b1")])
    few = queries()
    for number in range(12):
        published(f"Jetzt {number}", starts=-number, facts=[(f"alt {number}", "neu"), (f"alt2 {number}", "neu")])
        published(f"Bald {number}", starts=number + 1, facts=[(f"x {number}", "y")])
        published(f"Vorbei {number}", starts=-20, ends=-1 - number % 7)
    assert queries() == few


def test_the_home_page_asks_for_a_login_and_the_navigation_marks_it(client, agent):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    html = _home(client, agent, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<a href="/" aria-current="page">Today</a>' in html
    html = client.get(reverse("changes:list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<a href="/changes/" aria-current="page">Changes</a>' in html
    assert html.count('aria-current="page"') == 1
