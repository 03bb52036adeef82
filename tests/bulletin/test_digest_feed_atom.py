"""The digest's Atom feed as a feed reader (feedparser) reads it."""

import datetime
import time
import zoneinfo
from urllib.parse import parse_qs, urlsplit

import feedparser
import pytest
import time_machine

from bulletin.digest.compiling import digest_compile
from changes.feeds import feed_token_for
from tests.bulletin.conftest import WEEK

pytestmark = pytest.mark.django_db

FEED = "/digest/feed/"
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
WEDNESDAY = datetime.datetime(2026, 11, 25, 10, 0, tzinfo=BERLIN)


def _parsed(response):
    assert response.status_code == 200 and response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def _self_link(feed) -> str:
    (href,) = [link.href for link in feed.feed.links if link.rel == "self"]
    return href


def test_the_self_link_carries_the_readers_token_and_works_when_fetched(client, agent, publish):
    publish("Garden furniture", starts=1)
    digest_compile(week=WEEK)
    key = feed_token_for(user=agent).key
    href = _self_link(_parsed(client.get(FEED, {"token": key})))
    assert parse_qs(urlsplit(href).query) == {"token": [key]}
    # A reader re-fetching from the self link, with no session, gets the same feed again.
    again = _parsed(client.get(f"{urlsplit(href).path}?{urlsplit(href).query}"))
    assert [entry.title for entry in again.entries] == [f"Bulletin {WEEK} (revision 1)"]
    assert _self_link(again) == href


def test_a_feed_read_in_a_session_has_no_token_in_its_self_link(client, agent):
    digest_compile(week=WEEK)
    client.force_login(agent)
    href = _self_link(_parsed(client.get(FEED)))
    assert urlsplit(href).path == FEED and not urlsplit(href).query


def test_a_recompiled_week_updates_its_entry_instead_of_adding_one(client, agent, publish):
    key = feed_token_for(user=agent).key
    publish("Garden furniture", starts=1)
    with time_machine.travel(WEDNESDAY, tick=False):
        digest_compile(week=WEEK)
    (first,) = _parsed(client.get(FEED, {"token": key})).entries

    publish("New carrier for bulky goods", starts=2)
    with time_machine.travel(WEDNESDAY + datetime.timedelta(hours=2), tick=False):
        assert digest_compile(week=WEEK).digest.revision == 2
    (second,) = _parsed(client.get(FEED, {"token": key})).entries

    assert second.id == first.id
    assert time.mktime(second.updated_parsed) - time.mktime(first.updated_parsed) == 2 * 3600
    assert (first.title, second.title) == (f"Bulletin {WEEK} (revision 1)", f"Bulletin {WEEK} (revision 2)")
    assert "New carrier for bulky goods" in second.summary


def test_each_week_is_its_own_entry(client, agent, publish):
    digest_compile(week="2026-W47")
    digest_compile(week=WEEK)
    entries = _parsed(client.get(FEED, {"token": feed_token_for(user=agent).key})).entries
    assert len({entry.id for entry in entries}) == 2
