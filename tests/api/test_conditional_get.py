import datetime
import time
import zoneinfo

import pytest
import time_machine
from django.utils import timezone
from django.utils.http import http_date

from changes.api.conditional import seconds_until_midnight
from changes.models import Change

pytestmark = pytest.mark.django_db

LIST = "/api/v1/changes/"
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def test_list_answers_304_to_a_matching_etag_without_fetching_the_page(
    token_client, consumer, team, make_change, django_assert_num_queries
):
    make_change(team=team, status="published", facts=[("a", "b")])
    client = token_client(consumer)
    first = client.get(LIST, {"active": "true"})
    assert first["ETag"] and "Last-Modified" not in first
    # token, the user's teams, the aggregate: no page, no facts
    with django_assert_num_queries(3):
        again = client.get(LIST, {"active": "true"}, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again["ETag"] == first["ETag"]


def test_a_change_leaving_the_filter_is_never_answered_with_a_stale_304(
    token_client, consumer, lead, team, make_change
):
    keep, leave = (make_change(team=team, status="published", effective_from=timezone.localdate()) for _ in range(2))
    client = token_client(consumer)
    first = client.get(LIST, {"active": "true"})
    token_client(lead).post(f"{LIST}{leave.pk}/withdraw/")
    by_date = client.get(LIST, {"active": "true"}, HTTP_IF_MODIFIED_SINCE=http_date(time.time() + 60))
    by_etag = client.get(LIST, {"active": "true"}, HTTP_IF_NONE_MATCH=first["ETag"])
    for again in (by_date, by_etag):
        assert again.status_code == 200 and [row["id"] for row in again.json()["results"]] == [keep.pk]


def test_an_edit_changes_the_list_etag(token_client, consumer, team, make_change):
    change = make_change(team=team, status="published")
    client = token_client(consumer)
    etag = client.get(LIST)["ETag"]
    change.title = "Neu"
    change.save()
    response = client.get(LIST, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200 and response["ETag"] != etag


def test_each_query_has_its_own_etag(token_client, consumer, team, make_change):
    make_change(team=team, status="published")
    client = token_client(consumer)
    assert client.get(LIST, {"page_size": 1})["ETag"] != client.get(LIST, {"page_size": 2})["ETag"]


def test_if_modified_since_gives_304_until_something_changes(token_client, consumer, team, make_change):
    change = make_change(team=team, status="published")
    client = token_client(consumer)
    last_modified = client.get(f"{LIST}{change.pk}/")["Last-Modified"]
    assert client.get(f"{LIST}{change.pk}/", HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    Change.objects.filter(pk=change.pk).update(updated_at=timezone.now() + datetime.timedelta(seconds=5))
    assert client.get(f"{LIST}{change.pk}/", HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 200


def test_detail_answers_304_to_its_etag(token_client, consumer, team, make_change):
    change = make_change(team=team, status="published")
    client = token_client(consumer)
    etag = client.get(f"{LIST}{change.pk}/")["ETag"]
    assert client.get(f"{LIST}{change.pk}/", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_the_same_list_has_a_new_etag_the_next_day(token_client, consumer, team, make_change):
    make_change(team=team, status="published")
    client = token_client(consumer)
    with time_machine.travel(datetime.datetime(2026, 12, 1, 23, 59, tzinfo=BERLIN), tick=False):
        before = client.get(LIST, {"active": "true"})
    with time_machine.travel(datetime.datetime(2026, 12, 2, 0, 1, tzinfo=BERLIN), tick=False):
        after = client.get(LIST, {"active": "true"}, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200


def test_a_reader_without_draft_access_never_shares_an_etag_with_the_team(
    token_client, consumer, member, team, make_change
):
    make_change(team=team, status="published")
    assert token_client(consumer).get(LIST)["ETag"] != token_client(member).get(LIST)["ETag"]


def test_max_age_never_reaches_past_midnight_in_berlin(token_client, consumer, settings):
    settings.API_CACHE_MAX_AGE = 3600
    client = token_client(consumer)
    with time_machine.travel(datetime.datetime(2026, 12, 1, 23, 59, 30, tzinfo=BERLIN), tick=False):
        response = client.get(LIST, {"active": "true"})
    assert "max-age=30" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_seconds_until_midnight_on_the_short_dst_day():
    # 29 March 2026: clocks jump from 02:00 to 03:00 in Berlin; the day has 23 hours.
    with time_machine.travel(datetime.datetime(2026, 3, 29, 0, 0, tzinfo=BERLIN), tick=False):
        assert seconds_until_midnight() == 23 * 3600
