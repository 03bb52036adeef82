"""The shared KPIs, each figure checked against data worked out by hand (see the comments)."""

import csv
import datetime
import io
import zoneinfo

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from bulletin.digest.models import Digest, DigestRead
from bulletin.kpis.figures import kpi_report
from bulletin.texts.models import Flag, SupportText
from changes.models import Change, Membership

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo(settings.TIME_ZONE)
TODAY = datetime.date(2026, 11, 25)  # Wednesday of 2026-W48; three weeks: W46 (9 Nov), W47 (16 Nov), W48


def at(day: int, hour: int = 12, month: int = 11) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, tzinfo=BERLIN)


@pytest.fixture(autouse=True)
def on_wednesday_of_w48():
    with time_machine.travel(at(25), tick=False):
        yield


@pytest.fixture
def history(make_change, team, other_team, make_user, support_team, settings):
    """Einkauf (team) and Logistik (other_team) file changes; two agents read digests."""
    settings.BULLETIN_MIN_NOTICE_DAYS = 7

    def change(team, starts, published, acknowledged=None, status=Change.Status.PUBLISHED, ends=None):
        made = make_change(team=team, status=status, effective_from=starts, effective_until=ends)
        Change.objects.filter(pk=made.pk).update(published_at=published, acknowledged_at=acknowledged)
        return made

    a = change(team, datetime.date(2026, 11, 10), at(31, 9, month=10), acknowledged=at(9, 12))  # 10 days' notice
    b = change(team, datetime.date(2026, 11, 12), at(8, 9))  # 4 days: late, never confirmed
    c = change(other_team, datetime.date(2026, 11, 18), at(4, 9), acknowledged=at(18, 10))  # 14 days, on the day
    change(team, datetime.date(2026, 11, 17), at(1, 9), status=Change.Status.WITHDRAWN)  # not counted
    e = change(team, datetime.date(2026, 10, 1), at(20, 9, month=9))  # before the weeks: only its open flag counts

    text = SupportText.objects.create(kind="macro", title="T", body="x", source="demo", external_id="t")

    def flag(change, created, resolved=None, dismissed=None):
        made = Flag.objects.create(support_text=text, change=change, old_text=f"old {Flag.objects.count()}",
                                   due=change.effective_from)  # fmt: skip
        Flag.objects.filter(pk=made.pk).update(
            created_at=created, resolved_at=resolved, dismissed_at=dismissed,
            status="resolved" if resolved else "dismissed" if dismissed else "open",
            dismiss_reason="Betrifft uns nicht" if dismissed else "",
        )  # fmt: skip

    flag(a, at(1), resolved=at(5))  # in time, 4 days to fix
    flag(a, at(1), resolved=at(12))  # after A took effect (10 Nov): late, 11 days
    flag(b, at(8))  # never fixed: open and overdue at the end of W46, W47 and W48
    flag(b, at(8), dismissed=at(9))  # dismissed by a person: not a text to fix
    flag(c, at(5), resolved=at(20))  # after C took effect (18 Nov): late, 15 days
    flag(e, at(20, month=9))  # open since September, overdue at every week's end

    first = make_user("agent1", team=support_team, role=Membership.Role.AGENT)
    second = make_user("agent2", team=other_team, role=Membership.Role.AGENT)
    for week, monday in (("2026-W46", datetime.date(2026, 11, 9)), ("2026-W47", datetime.date(2026, 11, 16))):
        Digest.objects.create(week=week, monday=monday, compiled_at=at(monday.day, 6), content_hash=week)

    def read(week, user, when):
        made = DigestRead.objects.create(digest=Digest.objects.get(week=week), user=user)
        DigestRead.objects.filter(pk=made.pk).update(read_at=when)

    read("2026-W46", first, at(9, 8))  # before 09:00: on time
    read("2026-W46", second, at(9, 10))  # after 09:00
    read("2026-W47", first, at(16, 7))  # on time; the second agent never read W47
    return {"team": team, "other": other_team, "support": support_team}


def _figures(report) -> dict:
    return {kpi.key: {s.key: s.values for s in kpi.series} for kpi in report.kpis}


def test_every_kpi_equals_the_figures_worked_out_by_hand(history):
    report = kpi_report(last_day=TODAY, weeks=3)
    assert report.weeks == ["2026-W46", "2026-W47", "2026-W48"]
    figures = _figures(report)
    # Notice: W46 has A (10 days) and B (4 days), W47 has C (14 days); W48 nothing.
    assert figures["notice"] == {"all": [7.0, 14.0, None], "einkauf": [7.0, None, None], "logistik": [None, 14.0, None]}
    assert figures["late"] == {"all": [50.0, 0.0, None], "einkauf": [50.0, None, None], "logistik": [None, 0.0, None]}
    # A confirmed the day before it took effect, C on the day (too late), B never.
    assert figures["handover"]["all"] == [50.0, 0.0, None]
    # A: 31 Oct 09:00 → 9 Nov 12:00 = 9.125 days; C: 4 Nov 09:00 → 18 Nov 10:00 = 14.04 days.
    assert figures["acknowledge"]["all"] == [9.1, 14.0, None]
    # W46: two of A's flags and B's open one (B's dismissed one does not count): 1 of 3 fixed in time.
    assert figures["fixed"] == {"all": [33.3, 0.0, None], "einkauf": [33.3, None, None], "logistik": [None, 0.0, None]}
    assert figures["fix_time"]["all"] == [7.5, 15.0, None]  # median of 4 and 11 days; 15 days
    # B's open flag and E's from September, at the end of each week; none of Logistik's.
    assert figures["overdue"] == {"all": [2.0, 2.0, 2.0], "einkauf": [2.0, 2.0, 2.0]}
    # Of the two agents, one read by Monday 09:00 in W46 and W47; W48 has no digest.
    assert figures["digest"] == {"all": [50.0, 50.0, None], "kundenservice": [100.0, 100.0, None],
                                 "logistik": [0.0, 0.0, None]}  # fmt: skip
    counts = {kpi.key: {s.key: s.counts for s in kpi.series} for kpi in report.kpis}
    assert counts["notice"]["all"] == [2, 1, 0] and counts["fixed"]["all"] == [3, 1, 0]


def test_one_team_is_reported_alone(history):
    figures = _figures(kpi_report(last_day=TODAY, weeks=3, team=history["other"]))
    assert figures["notice"] == {"logistik": [None, 14.0, None]}
    assert figures["overdue"] == {}


def test_the_page_shows_a_chart_per_kpi_to_leads_and_refuses_agents(client, history, lead, agent):
    client.force_login(agent)
    assert client.get(reverse("kpis:page")).status_code == 403
    client.force_login(lead)
    response = client.get(reverse("kpis:page"), {"weeks": 3}, HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('<svg class="kpi-chart"') == 8 and html.count("How this is counted") == 8
    assert "<title>All teams, 2026-W46: 7.0 d (of 2)</title>" in html
    german = client.get(reverse("kpis:page"), {"weeks": 3}, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Vorlaufzeit" in german and "Alle Teams, 2026-W46: 7,0 T (von 2)" in german


@pytest.mark.parametrize(("query", "field"), [({"weeks": "0"}, "weeks"), ({"weeks": "x"}, "weeks"),
                                             ({"team": "nope"}, "team"), ({"until": "25.11.2026"}, "until")])
def test_a_bad_range_is_an_error_beside_its_field_and_a_400_in_the_api(client, lead, query, field):
    client.force_login(lead)
    response = client.get(reverse("kpis:page"), query)
    assert response.status_code == 400 and f'id="id_{field}_error"' in response.content.decode()
    api = client.get(reverse("api-kpis"), query)
    assert api.status_code == 400 and field in api.json()


def test_each_kpi_downloads_as_csv_for_excel(client, history, lead):
    client.force_login(lead)
    response = client.get(reverse("kpis:csv", args=["fix_time"]), {"weeks": 3}, HTTP_ACCEPT_LANGUAGE="de")
    body = response.content.decode("utf-8")
    assert response["Content-Type"] == "text/csv; charset=utf-8" and body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:]), delimiter=";"))
    assert rows[0] == ["Woche", "Montag", "Team", "Zeit bis zur Korrektur eines Textes", "Gemessen über"]
    assert rows[1] == ["2026-W46", "2026-11-09", "Alle Teams", "7,5", "2"]
    assert client.get(reverse("kpis:csv", args=["nonsense"])).status_code == 404


def test_the_api_answers_the_same_figures_as_json(client, history, lead, agent):
    client.force_login(lead)
    body = client.get(reverse("api-kpis"), {"weeks": 3, "until": TODAY.isoformat()}).json()
    assert body["weeks"] == ["2026-W46", "2026-W47", "2026-W48"] and body["team"] is None
    fixed = next(kpi for kpi in body["kpis"] if kpi["key"] == "fixed")
    assert fixed["unit"] == "percent" and fixed["how_counted"]
    assert {s["team"]: s["values"] for s in fixed["series"]}["all"] == [33.3, 0.0, None]
    client.force_login(agent)
    assert client.get(reverse("api-kpis")).status_code == 403


def test_an_api_parameter_sent_empty_is_a_400(client, lead):
    client.force_login(lead)
    response = client.get(reverse("api-kpis"), {"until": ""})
    assert response.status_code == 400 and "until" in response.json()
