"""The digest's "Texts to update": open flags of the week's changes, overdue first, per owner team."""

import pytest
import time_machine
from django.utils import translation

from bulletin.digest.compiling import digest_compile
from bulletin.texts.flags import flag_dismiss, flags_scan_change
from tests.bulletin.conftest import MONDAY, WEEK

pytestmark = pytest.mark.django_db


def _texts(digest):
    return next(section for section in digest.sections if section["key"] == "texts")["entries"]


@time_machine.travel(MONDAY, tick=False)
def test_digest_lists_texts_to_update_overdue_first_with_owner_team(publish, make_text, make_team, agent):
    logistik = make_team("logistik", "Logistik")
    running = publish("Lieferzeit länger", starts=-3, facts=[("5–7 Werktage", "10–14 Werktage")])
    upcoming = publish(
        "Rückgabe kürzer", starts=3, category="returns", facts=[("30 Tage Rückgabe", "14 Tage Rückgabe")]
    )
    make_text("Wir liefern in 5-7 Werktagen.", title="Makro Lieferzeit", owner_team=logistik)
    make_text("Sie haben 30 Tage Rückgabe.", title="FAQ Rückgabe", kind="faq", owner_team=logistik)
    dismissed = make_text("B2B: 5–7 Werktage.", title="Makro B2B")
    make_text("Danke!", title="Makro Dank")
    for change in (running, upcoming):
        flags_scan_change(change_id=change.pk)
    flag_dismiss(flag=dismissed.flags.get(), user=agent, reason="nicht betroffen: B2B")

    entries = _texts(digest_compile(week=WEEK).digest)
    assert [entry["title"] for entry in entries] == ["Makro Lieferzeit", "FAQ Rückgabe"]
    assert entries[0]["overdue"] and not entries[1]["overdue"]
    assert "Logistik" in entries[0]["detail"] and "“5–7 Werktage” → “10–14 Werktage”" in entries[0]["detail"]
    assert entries[0]["url"].endswith(f"/flags/{running.flags.get(status='open').pk}/")


@time_machine.travel(MONDAY, tick=False)
def test_digest_page_shows_texts_to_update(client, agent, publish, make_text):
    change = publish("Lieferzeit länger", starts=1, facts=[("5–7 Werktage", "10–14 Werktage")])
    make_text("Wir liefern in 5-7 Werktagen.", title="Makro Lieferzeit")
    flags_scan_change(change_id=change.pk)
    digest_compile(week=WEEK)
    client.force_login(agent)
    html = client.get(f"/digest/{WEEK}/").content.decode()
    assert "Texts to update" in html and "Makro Lieferzeit" in html


@time_machine.travel(MONDAY, tick=False)
def test_a_digest_shows_the_first_texts_to_update_and_points_to_the_queue_for_the_rest(
    publish, make_text, monkeypatch
):
    monkeypatch.setattr("bulletin.digest.sections.TEXTS_TO_UPDATE_SHOWN", 2)
    change = publish("Lieferzeit länger", starts=1, facts=[("5–7 Werktage", "10–14 Werktage")])
    for number in range(5):
        make_text(f"Text {number}: 5–7 Werktage.", title=f"Makro {number}")
    flags_scan_change(change_id=change.pk)

    digest = digest_compile(week=WEEK).digest
    section = next(section for section in digest.sections if section["key"] == "texts")
    assert len(section["entries"]) == 2 and section["more"] == 3 and section["count"] == 5
    assert "[3 more texts to update](http://127.0.0.1:8000/flags/?status=open)" in digest.markdown


@time_machine.travel(MONDAY, tick=False)
def test_the_texts_to_update_read_in_the_language_of_the_page_not_of_the_compile(
    client, agent, publish, make_text, settings
):
    change = publish("Lieferzeit länger", starts=-1, facts=[("5–7 Werktage", "10–14 Werktage")])
    make_text("Wir liefern in 5-7 Werktagen.", title="Makro Lieferzeit")
    flags_scan_change(change_id=change.pk)
    with translation.override("de"):
        digest_compile(week=WEEK)  # as Monday's run does, in the service's language
    client.force_login(agent)
    client.post("/i18n/setlang/", {"language": "en", "next": "/digest/"})
    page = client.get(f"/digest/{WEEK}/").content.decode()
    assert "overdue · " in page and "überfällig" not in page
