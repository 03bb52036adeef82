import ctypes
import ctypes.util
import datetime

import icalendar
import pytest
import recurring_ical_events
from django.urls import reverse
from django.utils import timezone

from changes import services
from changes.calendar import CALENDAR_OPEN_END_DAYS
from changes.feeds import feed_token_for, feed_token_rotate

pytestmark = pytest.mark.django_db

URL = "/changes/calendar.ics"
D = datetime.date(2026, 12, 10)
LIBICAL = ctypes.util.find_library("ical")


@pytest.fixture(scope="module")
def libical_errors():
    """What libical (the parser of Evolution and other calendar apps) objects to in a document: its X-LIC-ERRORs
    after parsing and its iTIP restriction check."""
    if LIBICAL is None:
        pytest.fail("libical is missing: apt-get install -y libical3 (.ci/run does this)")
    lib = ctypes.CDLL(LIBICAL)
    lib.icalparser_parse_string.restype = ctypes.c_void_p
    lib.icalparser_parse_string.argtypes = [ctypes.c_char_p]
    lib.icalrestriction_check.argtypes = [ctypes.c_void_p]
    lib.icalcomponent_as_ical_string.restype = ctypes.c_char_p
    lib.icalcomponent_as_ical_string.argtypes = [ctypes.c_void_p]
    lib.icalcomponent_free.argtypes = [ctypes.c_void_p]

    def errors(document: bytes) -> list[str]:
        component = lib.icalparser_parse_string(document)
        assert component, "libical could not parse the document at all"
        try:
            lib.icalrestriction_check(component)
            text = lib.icalcomponent_as_ical_string(component).decode()
        finally:
            lib.icalcomponent_free(component)
        return [line for line in text.replace("\r\n ", "").splitlines() if line.startswith("X-LIC-ERROR")]

    return errors


def _events(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return {str(event["uid"]): event for event in icalendar.Calendar.from_ical(response.content).walk("VEVENT")}


def _feed(client, user, **params):
    return _events(client.get(URL, {"token": feed_token_for(user=user).key, **params}))


def _calendar(client, user, **params) -> icalendar.Calendar:
    response = client.get(URL, {"token": feed_token_for(user=user).key, **params})
    assert response.status_code == 200
    return icalendar.Calendar.from_ical(response.content)


def _change_id(event) -> int:
    return int(str(event["uid"]).removeprefix("change-").split("@")[0])


def test_a_published_change_is_an_all_day_event_over_its_window(client, agent, team, make_change):
    change = make_change(
        team=team, status="published", effective_from=D, effective_until=D + datetime.timedelta(days=2)
    )
    event = _feed(client, agent)[f"change-{change.pk}@127.0.0.1"]
    assert event.decoded("dtstart") == D
    assert event.decoded("dtend") == D + datetime.timedelta(days=3)  # DTEND is exclusive
    assert event["sequence"] == 1 and str(event["status"]) == "CONFIRMED"
    assert change.title in str(event["summary"])


def test_an_open_ended_change_runs_to_a_rolling_horizon_and_says_open_end(client, agent, team, make_change):
    today = timezone.localdate()
    started = today - datetime.timedelta(days=400)
    change = make_change(team=team, status="published", effective_from=started, effective_until=None)
    calendar = _calendar(client, agent)
    (event,) = calendar.walk("VEVENT")
    horizon = today + datetime.timedelta(days=CALENDAR_OPEN_END_DAYS)
    assert (event.decoded("dtstart"), event.decoded("dtend")) == (started, horizon + datetime.timedelta(days=1))
    assert "Open end" in str(event["description"]) and change.title in str(event["summary"])
    # A calendar app shows it on every day from its start up to the horizon, and not beyond.
    for day in (started, today - datetime.timedelta(days=200), today, horizon):
        assert [_change_id(e) for e in recurring_ical_events.of(calendar).at(day)] == [change.pk], day
    assert not recurring_ical_events.of(calendar).at(horizon + datetime.timedelta(days=1))


def test_an_open_ended_change_starting_past_the_horizon_is_shown_on_its_first_day(client, agent, team, make_change):
    first = timezone.localdate() + datetime.timedelta(days=CALENDAR_OPEN_END_DAYS + 30)
    make_change(team=team, status="published", effective_from=first, effective_until=None)
    (event,) = _feed(client, agent).values()
    assert (event.decoded("dtstart"), event.decoded("dtend")) == (first, first + datetime.timedelta(days=1))


@pytest.mark.parametrize("offset", [0, -1, 1, 30])
def test_the_events_on_a_day_are_the_changes_the_api_lists_as_active_then(
    client, agent, lead, team, make_change, offset
):
    today = timezone.localdate()

    def window(title, first, last=None, status="published"):
        start = today + datetime.timedelta(days=first)
        until = None if last is None else today + datetime.timedelta(days=last)
        return make_change(team=team, status=status, title=title, effective_from=start, effective_until=until)

    window("Ended", -30, -2)
    window("Future", 2, 20)
    window("Open end, long ago", -400)
    window("Open end, soon", 1)
    window("Bounded, in effect", -3, 3)
    window("Ends today", -10, 0)
    window("Starts today", 0, 0)
    withdrawn = window("Withdrawn", -3, 40)
    services.change_withdraw(change=withdrawn, user=lead)
    window("Draft", -3, status="draft")
    day = today + datetime.timedelta(days=offset)

    client.force_login(agent)
    query = {"active": "true"} if offset == 0 else {"active_on": day.isoformat()}
    listed = client.get("/api/v1/changes/", {**query, "page_size": 200}).json()["results"]
    on_day = recurring_ical_events.of(_calendar(client, agent)).at(day)

    # A withdrawn change stays in the feed, cancelled, so subscribed calendars drop the event they had.
    shown = {_change_id(e): str(e["summary"]) for e in on_day if str(e["status"]) != "CANCELLED"}
    cancelled = {_change_id(e) for e in on_day if str(e["status"]) == "CANCELLED"}
    assert shown == {c["id"]: f"{c['title']} (Einkauf)" for c in listed}
    assert cancelled == ({withdrawn.pk} if -3 <= offset <= 40 else set())
    assert withdrawn.pk not in shown and len(shown) >= 2


def test_an_edit_keeps_the_uid_and_raises_the_sequence(client, lead, agent, team, make_change):
    change = make_change(team=team, status="published", effective_from=D)
    services.change_update(change=change, user=lead, data={"title": "Neu"})
    event = _feed(client, agent)[f"change-{change.pk}@127.0.0.1"]
    assert event["sequence"] == 2 and "Neu" in str(event["summary"])


def test_a_withdrawn_change_is_cancelled_and_drafts_are_absent(client, agent, staff, team, make_change):
    withdrawn = make_change(team=team, status="withdrawn", effective_from=D)
    make_change(team=team, status="draft", effective_from=D)
    events = _feed(client, staff)
    assert list(events) == [f"change-{withdrawn.pk}@127.0.0.1"]
    event = events[f"change-{withdrawn.pk}@127.0.0.1"]
    assert str(event["status"]) == "CANCELLED" and event["sequence"] == 2


def test_the_feed_filters_by_team_and_category(client, agent, team, other_team, make_change):
    wanted = make_change(team=team, status="published", category="returns")
    make_change(team=other_team, status="published", category="returns")
    make_change(team=team, status="published", category="pricing")
    assert list(_feed(client, agent, team="einkauf", category="returns")) == [f"change-{wanted.pk}@127.0.0.1"]


@pytest.mark.parametrize("params", [{"team": "nobody"}, {"category": "weather"}])
def test_an_unknown_filter_is_a_400(client, agent, params):
    response = client.get(URL, {"token": feed_token_for(user=agent).key, **params})
    assert response.status_code == 400


def test_a_signed_in_user_needs_no_token(client, agent, team, make_change):
    make_change(team=team, status="published")
    client.force_login(agent)
    assert len(_events(client.get(URL))) == 1


def test_without_session_or_token_the_feed_asks_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_rotated_token_stops_the_old_link(client, agent):
    old_key = feed_token_for(user=agent).key
    feed_token_rotate(user=agent)
    assert client.get(URL, {"token": old_key}).status_code == 403


def test_the_change_list_shows_the_personal_feed_link_and_a_rotate_button(client, agent):
    client.force_login(agent)
    page = client.get(reverse("changes:list")).content.decode()
    assert f"/changes/calendar.ics?token={feed_token_for(user=agent).key}" in page
    assert reverse("changes:feed-token-rotate") in page


def test_libical_reads_the_feed_without_errors_or_itip_warnings(client, agent, lead, team, make_change, libical_errors):
    today = timezone.localdate()
    make_change(team=team, status="published", effective_from=today, effective_until=today + datetime.timedelta(days=3))
    make_change(team=team, status="published", effective_from=today - datetime.timedelta(days=400))
    services.change_withdraw(change=make_change(team=team, status="published", effective_from=today), user=lead)
    response = client.get(URL, {"token": feed_token_for(user=agent).key})
    calendar = icalendar.Calendar.from_ical(response.content)
    assert len(calendar.walk("VEVENT")) == 3
    assert not [component.errors for component in calendar.walk() if component.errors]
    # A published feed is no iTIP message: no METHOD (which would need an ORGANIZER on every event).
    assert "METHOD" not in calendar and "method=" not in response["Content-Type"]
    assert libical_errors(response.content) == []
    # The check is live: the same document as an iTIP PUBLISH is what libical warns about.
    as_itip = response.content.replace(b"VERSION:2.0\r\n", b"VERSION:2.0\r\nMETHOD:PUBLISH\r\n", 1)
    assert any("ORGANIZER" in error for error in libical_errors(as_itip))


@pytest.mark.parametrize(
    ("params", "language", "name"),
    [
        ({}, "en", "Bulletin"),
        ({"team": "logistik"}, "en", "Bulletin – Logistik"),
        ({"category": "delivery_time"}, "en", "Bulletin – Delivery time"),
        ({"category": "delivery_time"}, "de", "Bulletin – Lieferzeit"),
        ({"team": "logistik", "category": "returns"}, "en", "Bulletin – Logistik, Returns"),
    ],
)
def test_a_calendar_is_named_after_its_filter(client, agent, other_team, params, language, name):
    response = client.get(URL, {"token": feed_token_for(user=agent).key, **params}, HTTP_ACCEPT_LANGUAGE=language)
    calendar = icalendar.Calendar.from_ical(response.content)
    # NAME is RFC 7986's; X-WR-CALNAME is what Apple, Google and Outlook read.
    assert (str(calendar["NAME"]), str(calendar["X-WR-CALNAME"])) == (name, name)
