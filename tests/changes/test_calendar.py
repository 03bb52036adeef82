import datetime

import icalendar
import pytest
from django.urls import reverse

from changes import services
from changes.feeds import feed_token_for, feed_token_rotate

pytestmark = pytest.mark.django_db

URL = "/changes/calendar.ics"
D = datetime.date(2026, 12, 10)


def _events(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return {str(event["uid"]): event for event in icalendar.Calendar.from_ical(response.content).walk("VEVENT")}


def _feed(client, user, **params):
    return _events(client.get(URL, {"token": feed_token_for(user=user).key, **params}))


def test_a_published_change_is_an_all_day_event_over_its_window(client, agent, team, make_change):
    change = make_change(
        team=team, status="published", effective_from=D, effective_until=D + datetime.timedelta(days=2)
    )
    event = _feed(client, agent)[f"change-{change.pk}@127.0.0.1"]
    assert event.decoded("dtstart") == D
    assert event.decoded("dtend") == D + datetime.timedelta(days=3)  # DTEND is exclusive
    assert event["sequence"] == 1 and str(event["status"]) == "CONFIRMED"
    assert change.title in str(event["summary"])


def test_an_open_ended_change_is_shown_on_its_first_day(client, agent, team, make_change):
    change = make_change(team=team, status="published", effective_from=D, effective_until=None)
    event = _feed(client, agent)[f"change-{change.pk}@127.0.0.1"]
    assert (event.decoded("dtstart"), event.decoded("dtend")) == (D, D + datetime.timedelta(days=1))


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
