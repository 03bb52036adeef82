import datetime

import pytest
import time_machine
from django.utils import timezone

from bulletin.digest.compiling import digest_compile
from bulletin.models import Digest
from bulletin.weeks import week_label, week_monday
from changes.models import Change
from tests.bulletin.conftest import MONDAY, WEEK, section_titles

pytestmark = pytest.mark.django_db


def test_change_starting_on_sunday_of_the_week_is_starting(publish):
    publish("Sunday start", starts=6)
    digest = digest_compile(week=WEEK).digest
    assert section_titles(digest, "starting") == ["Sunday start"]
    assert section_titles(digest, "coming") == []


def test_change_starting_the_next_monday_is_coming_up(publish):
    publish("Next Monday", starts=7)
    digest = digest_compile(week=WEEK).digest
    assert section_titles(digest, "starting") == []
    assert section_titles(digest, "coming") == ["Next Monday"]


def test_coming_up_covers_fourteen_days_after_the_week(publish):
    publish("Day 14 after", starts=6 + 14)
    publish("Day 15 after", starts=6 + 15)
    assert section_titles(digest_compile(week=WEEK).digest, "coming") == ["Day 14 after"]


def test_open_ended_change_from_earlier_is_still_in_effect(publish):
    publish("Open end", starts=-30)
    publish("Ended last Sunday", starts=-30, ends=-1)
    digest = digest_compile(week=WEEK).digest
    assert section_titles(digest, "still") == ["Open end"]
    assert "Ended last Sunday" not in digest.markdown


def test_change_ending_this_week_is_ending_not_still(publish):
    publish("Ends Sunday", starts=-5, ends=6)
    publish("Ends next Monday", starts=-5, ends=7)
    digest = digest_compile(week=WEEK).digest
    assert section_titles(digest, "ending") == ["Ends Sunday"]
    assert section_titles(digest, "still") == ["Ends next Monday"]


def test_withdrawn_change_is_listed_as_withdrawn_only(publish):
    change = publish("Pulled", starts=2)
    wednesday = timezone.make_aware(datetime.datetime(2026, 11, 25, 10, 0))
    with time_machine.travel(wednesday, tick=False):
        Change.objects.filter(pk=change.pk).update(status="withdrawn", withdrawn_at=timezone.now())
        digest = digest_compile(week=WEEK).digest
    assert section_titles(digest, "withdrawn") == ["Pulled"]
    assert section_titles(digest, "starting") == []


def test_drafts_are_not_in_the_digest(make_change, team):
    make_change(team=team, title="Secret draft", effective_from=MONDAY)
    assert "Secret draft" not in digest_compile(week=WEEK).digest.markdown


def test_groups_by_category_most_severe_first(publish):
    publish("Low pricing", starts=1, category="pricing", severity="low")
    publish("High returns", starts=1, category="returns", severity="high")
    publish("Medium returns", starts=0, category="returns", severity="medium")
    section = digest_compile(week=WEEK).digest.sections[0]
    assert [g["category"] for g in section["groups"]] == ["returns", "pricing"]
    assert [e["title"] for e in section["groups"][0]["entries"]] == ["High returns", "Medium returns"]


def test_entry_shows_facts_late_marker_and_team(publish, settings):
    settings.BULLETIN_MIN_NOTICE_DAYS = 7
    change = publish("Late one", starts=1, facts=[("5–7 Werktage", "10–14 Werktage")])
    Change.objects.filter(pk=change.pk).update(published_at=timezone.make_aware(datetime.datetime(2026, 11, 22, 9)))
    digest = digest_compile(week=WEEK).digest
    entry = digest.sections[0]["groups"][0]["entries"][0]
    assert entry["late"] is True and entry["facts"] == [["5–7 Werktage", "10–14 Werktage"]]
    assert "<del>5–7 Werktage</del> → 10–14 Werktage" in digest.html
    assert "Einkauf" in digest.markdown and "late" in digest.markdown


def test_a_change_announced_after_it_took_effect_says_so_not_minus_days(publish, settings, client, agent):
    change = publish("Retro", starts=0)
    Change.objects.filter(pk=change.pk).update(published_at=timezone.make_aware(datetime.datetime(2026, 11, 25, 9)))
    digest = digest_compile(week=WEEK).digest
    assert "late: announced after it took effect" in digest.markdown and "-2 days" not in digest.markdown
    client.force_login(agent)
    assert "Announced after it took effect" in client.get(change.get_absolute_url()).content.decode()


def test_header_counts_every_section(publish):
    publish("A", starts=0)
    publish("B", starts=8)
    digest = digest_compile(week=WEEK).digest
    assert "**1** Starting this week" in digest.markdown and "**1** Coming up" in digest.markdown


def test_compiling_twice_without_changes_keeps_the_revision(publish):
    publish("A", starts=0)
    first = digest_compile(week=WEEK)
    second = digest_compile(week=WEEK)
    assert first.created and not second.changed
    assert second.digest.revision == 1 and Digest.objects.count() == 1


def test_compiling_after_a_change_bumps_the_revision(publish):
    publish("A", starts=0)
    digest_compile(week=WEEK)
    publish("B", starts=1)
    result = digest_compile(week=WEEK)
    assert result.changed and result.digest.revision == 2
    assert set(result.digest.changes.values_list("title", flat=True)) == {"A", "B"}


@pytest.mark.parametrize("week", ["2026-48", "2026-W60", "2025-W53", "x"])
def test_bad_weeks_are_refused(week):
    with pytest.raises(ValueError):
        week_monday(week)


def test_iso_week_label_crosses_new_year():
    assert week_label(datetime.date(2027, 1, 1)) == "2026-W53"
    assert week_monday("2026-W53") == datetime.date(2026, 12, 28)
    assert week_label(MONDAY) == WEEK


def _migration():
    import importlib

    return importlib.import_module("bulletin.migrations.0005_digest_sections_one_shape")


@time_machine.travel(MONDAY, tick=False)
def test_a_digest_stored_in_the_old_shape_reads_the_same_and_is_not_sent_again(publish, make_text, monkeypatch):
    from django.apps import apps

    from bulletin.texts.flags import flags_scan_change

    monkeypatch.setattr("bulletin.digest.sections.TEXTS_TO_UPDATE_SHOWN", 1)
    change = publish("Lieferzeit länger", starts=1, facts=[("5–7 Werktage", "10–14 Werktage")])
    for number in range(3):
        make_text(f"Text {number}: 5–7 Werktage.", title=f"Makro {number}")
    flags_scan_change(change_id=change.pk)
    digest = digest_compile(week=WEEK).digest
    current = digest.sections
    # The old shape: no `more` on change sections, the texts section ending with a {"more": N} entry.
    old = []
    for section in current:
        section = {name: value for name, value in section.items() if name not in ("more", "more_url")}
        if section["kind"] == "texts":
            more = {"url": current[-1]["more_url"], "overdue": False, "more": 2, "title": "2 more texts to update"}
            section = {**section, "entries": [*section["entries"], more], "count": 2}
        old.append(section)
    Digest.objects.filter(pk=digest.pk).update(sections=old, content_hash="from the old code")

    _migration().forwards(apps, None)

    digest.refresh_from_db()
    assert digest.sections == current
    again = digest_compile(week=WEEK)
    assert not again.changed and again.digest.revision == 1


def test_a_texts_entry_stored_before_it_kept_its_parts_shows_its_line(client, agent):
    from django.apps import apps

    line = "überfällig · Logistik · „5–7 Werktage“ → „10–14 Werktage“ · Lieferzeit länger"
    Digest.objects.create(
        week=WEEK, monday=MONDAY, compiled_at=timezone.now(), markdown="", html="", content_hash="x",
        sections=[{"key": "texts", "title": "Texts to update", "kind": "texts", "count": 1,
                   "entries": [{"title": "Makro", "url": "http://x/flags/1/", "overdue": True, "detail": line}]}],
    )
    _migration().forwards(apps, None)
    client.force_login(agent)
    page = client.get(f"/digest/{WEEK}/").content.decode()
    assert "Makro</a>: überfällig · Logistik · „5–7 Werktage“ → „10–14 Werktage“ · Lieferzeit länger" in page


@pytest.mark.parametrize(
    ("starts", "ends"),
    [(-5, 0), (-5, 6), (0, 0), (2, 4), (6, 6)],
    ids=["started-before-ends-monday", "started-before-ends-sunday", "monday-only", "midweek", "sunday-only"],
)
def test_change_whose_last_day_falls_in_the_week_is_ending(publish, starts, ends):
    publish("Ends this week", starts=starts, ends=ends)
    digest = digest_compile(week=WEEK).digest
    assert section_titles(digest, "ending") == ["Ends this week"]
    assert section_titles(digest, "still") == []


def test_change_ending_the_next_monday_is_not_ending_this_week(publish):
    publish("Ends next Monday", starts=-5, ends=7)
    publish("Starts and ends next Monday", starts=7, ends=7)
    digest = digest_compile(week=WEEK).digest
    assert section_titles(digest, "ending") == []
    assert section_titles(digest, "still") == ["Ends next Monday"]
    assert section_titles(digest, "coming") == ["Starts and ends next Monday"]


def test_change_that_ended_the_sunday_before_is_not_ending_this_week(publish):
    publish("Ended last Sunday", starts=-10, ends=-1)
    assert section_titles(digest_compile(week=WEEK).digest, "ending") == []


def test_change_starting_and_ending_in_the_week_is_listed_under_both_on_the_page(client, agent, publish):
    publish("Two-day sale", starts=1, ends=2)
    publish("Ends Monday", starts=-5, ends=0)
    publish("Ends Sunday", starts=-5, ends=6)
    publish("Ends next Monday", starts=-5, ends=7)
    digest_compile(week=WEEK)
    client.force_login(agent)
    body = client.get(f"/digest/{WEEK}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    starting = body.split('id="section-starting">')[1].split("</section>")[0]
    ending = body.split('id="section-ending">')[1].split("</section>")[0]
    assert "Two-day sale" in starting
    assert "Ending this week" in ending and '<span class="badge">(3)</span>' in ending
    assert all(title in ending for title in ("Two-day sale", "Ends Monday", "Ends Sunday"))
    assert "Ends next Monday" not in ending
    assert '<a href="#section-ending"><strong>3</strong> Ending this week</a>' in body
