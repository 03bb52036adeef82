"""What is true for customers on day D, at the edges of a change's window."""

import datetime
import zoneinfo

import pytest
import time_machine

pytestmark = pytest.mark.django_db

LIST = "/api/v1/changes/"
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
D = datetime.date(2026, 12, 10)


def _ids(client, **params):
    return [item["id"] for item in client.get(LIST, params).json()["results"]]


def test_a_change_effective_from_d_is_absent_the_day_before_and_present_on_d(token_client, consumer, team, make_change):
    change = make_change(team=team, status="published", effective_from=D)
    client = token_client(consumer)
    assert _ids(client, active_on=str(D - datetime.timedelta(days=1))) == []
    assert _ids(client, active_on=str(D)) == [change.pk]


def test_a_change_ending_on_d_is_present_on_d_and_absent_the_day_after(token_client, consumer, team, make_change):
    change = make_change(
        team=team, status="published", effective_from=D - datetime.timedelta(days=5), effective_until=D
    )
    client = token_client(consumer)
    assert _ids(client, active_on=str(D)) == [change.pk]
    assert _ids(client, active_on=str(D + datetime.timedelta(days=1))) == []


def test_an_open_ended_change_stays_active(token_client, consumer, team, make_change):
    change = make_change(team=team, status="published", effective_from=D, effective_until=None)
    assert _ids(token_client(consumer), active_on="2030-01-01") == [change.pk]


def test_drafts_and_withdrawn_changes_are_never_active(token_client, staff, team, make_change):
    make_change(team=team, status="draft", effective_from=D)
    make_change(team=team, status="withdrawn", effective_from=D)
    assert _ids(token_client(staff), active_on=str(D)) == []


@pytest.mark.parametrize(
    ("moment", "active"),
    [
        # 23:59 Berlin on D-1 is already 22:59 UTC; still the day before in Berlin.
        (datetime.datetime(2026, 12, 9, 23, 59, 59, tzinfo=BERLIN), False),
        # 00:00:01 Berlin on D is still D-1 in UTC.
        (datetime.datetime(2026, 12, 10, 0, 0, 1, tzinfo=BERLIN), True),
    ],
)
def test_active_true_follows_midnight_in_berlin_not_utc(token_client, consumer, team, make_change, moment, active):
    change = make_change(team=team, status="published", effective_from=D)
    client = token_client(consumer)
    with time_machine.travel(moment, tick=False):
        assert _ids(client, active="true") == ([change.pk] if active else [])
        assert (change.pk in _ids(client, active="false")) is not active


def test_active_true_ends_at_midnight_after_the_last_day(token_client, consumer, team, make_change):
    change = make_change(
        team=team, status="published", effective_from=D - datetime.timedelta(days=3), effective_until=D
    )
    client = token_client(consumer)
    with time_machine.travel(datetime.datetime(2026, 12, 10, 23, 59, 59, tzinfo=BERLIN), tick=False):
        assert _ids(client, active="true") == [change.pk]
    with time_machine.travel(datetime.datetime(2026, 12, 11, 0, 0, 1, tzinfo=BERLIN), tick=False):
        assert _ids(client, active="true") == []
