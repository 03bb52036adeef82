"""A scan reports the flags it really wrote: two scans that found the same texts at once do not both count
them (the second finds them opened by the first)."""

import threading

import pytest
from django.db import connection, connections
from django.db.models import Q
from django.utils import timezone

from bulletin.texts import flags
from bulletin.texts.corpus import corpus_blocks, corpus_find
from bulletin.texts.flag_sync import flags_insert, sync_apply, sync_plan
from bulletin.texts.models import Flag, SupportText

pytestmark = pytest.mark.django_db


def test_two_scans_planned_together_count_each_flag_once(delivery_change, make_text):
    for number in range(3):
        make_text(f"Lieferung in 5–7 Werktagen ({number}).")
    phrases = {p.fact_id: p for p in flags._phrases(flags.active_facts())}
    pairs, _count = corpus_find(
        matcher=flags._matcher(phrases), blocks=corpus_blocks(texts=SupportText.objects.filter(active=True))
    )
    found, forms = flags._found_forms(pairs)
    day, now = timezone.localdate(), timezone.now()
    # Both plans are made before either writes, as two scans running side by side make them.
    plans = [
        sync_plan(found=found, forms=forms, phrases=phrases, scope=Q(), text_is_active=lambda _id: True, day=day)
        for _scan in range(2)
    ]
    first, second = (sync_apply(plan, phrases=phrases, now=now, forms=forms) for plan in plans)
    assert (first.opened, second.opened) == (3, 0)
    assert Flag.objects.count() == 3


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs one writing transaction at a time")
def test_two_full_rescans_writing_at_the_same_moment_open_each_flag_once(delivery_change, make_text, monkeypatch):
    for number in range(3):
        make_text(f"Lieferung in 5–7 Werktagen ({number}).")
    both_planned = threading.Barrier(2, timeout=30)
    apply = flags.sync_apply

    def apply_together(*args, **kwargs):
        both_planned.wait()  # neither has written yet: each plans to open all three
        return apply(*args, **kwargs)

    monkeypatch.setattr(flags, "sync_apply", apply_together)
    results = []

    def rescan():
        try:
            results.append(flags.flags_rescan_all())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=rescan) for _scan in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(result.opened for result in results) == [0, 3]
    assert Flag.objects.filter(status="open").count() == 3


def _new_flag(text, fact) -> dict:
    """A row as a scan hands it to flags_insert."""
    return {
        "support_text_id": text.pk, "change_id": fact.change_id, "fact_change_id": fact.pk,
        "old_text": fact.old_text, "new_text": fact.new_text, "found_form": fact.old_text,
        "due": fact.change.effective_from,
    }


def test_a_batch_that_meets_its_own_flags_falls_back_to_skipping_them(delivery_change, make_text):
    text = make_text("Lieferung in 5–7 Werktagen.")
    fact = delivery_change.fact_changes.get()
    row = _new_flag(text, fact)
    assert flags_insert([row, dict(row)], now=timezone.now()) == 1
    assert Flag.objects.get().status == "open"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the planner statistics are PostgreSQL's")
def test_a_scan_that_writes_many_flags_refreshes_the_planner_statistics(delivery_change, make_text, monkeypatch):
    monkeypatch.setattr("bulletin.texts.flag_sync.ANALYZE_AFTER_ROWS", 3)
    for number in range(3):
        make_text(f"Lieferung in 5–7 Werktagen ({number}).")

    def planned_rows() -> float:
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [Flag._meta.db_table])
            return cursor.fetchone()[0]

    flags.flags_rescan_all()
    assert planned_rows() == 3  # the planner knows the table holds three flags, not an empty table's guess


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the shortcut is PostgreSQL's; SQLite plans in Python")
def test_a_rescan_with_nothing_new_writes_nothing_and_any_difference_is_caught(delivery_change, make_text):
    for number in range(3):
        make_text(f"Lieferung in 5–7 Werktagen ({number}).")
    assert flags.flags_rescan_all().opened == 3
    nothing = flags.flags_rescan_all()
    assert (nothing.opened, nothing.refreshed, nothing.resolved, nothing.dismissed) == (0, 0, 0, 0)

    # One flag out of step with what a scan would write, behind the scans' back: the next re-scan mends it.
    changed = Flag.objects.order_by("id").first()
    Flag.objects.filter(pk=changed.pk).update(found_form="5 bis 7 Werktage")
    assert flags.flags_rescan_all().refreshed == 1
    Flag.objects.filter(pk=changed.pk).update(status="resolved")
    assert flags.flags_rescan_all().reopened == 1
    Flag.objects.filter(pk=changed.pk).delete()
    assert flags.flags_rescan_all().opened == 1


def test_flags_whose_text_or_fact_change_went_past_django_are_swept_at_night(delivery_change, make_text):
    kept, gone = make_text("Lieferung in 5–7 Werktagen."), make_text("Auch: 5–7 Werktage.")
    flags.flags_rescan_all()
    fact = delivery_change.fact_changes.get()
    stray = Flag.objects.get(support_text=kept)
    with connection.cursor() as cursor:  # as a script or a restore might, past Django's on_delete
        cursor.execute(f"DELETE FROM {SupportText._meta.db_table} WHERE id = %s", [gone.pk])
        cursor.execute(f"UPDATE {Flag._meta.db_table} SET fact_change_id = %s WHERE id = %s", [fact.pk + 999, stray.pk])

    assert flags.flags_without_parents_sweep_all() == (1, 1)  # beat's nightly sweep, before the re-scan
    flags.flags_rescan_all()
    assert not Flag.objects.filter(support_text_id=gone.pk).exists()  # its text is gone: so is the flag
    stray.refresh_from_db()  # its fact change is gone: it has none, and is closed as Django's SET_NULL leaves it
    assert stray.fact_change_id is None and stray.status == "dismissed" and stray.dismissed_by_bulletin
    assert Flag.objects.get(support_text=kept, status="open").fact_change_id == fact.pk


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's path is left to the nightly sweep")
def test_a_flag_whose_fact_change_went_while_the_scan_ran_is_not_written(delivery_change, make_text):
    text = make_text("Lieferung in 5–7 Werktagen.")
    fact = delivery_change.fact_changes.get()
    row = _new_flag(text, fact)
    fact.delete()  # an edit removed it after the scan read it, before the scan writes
    assert flags_insert([row], now=timezone.now()) == 0
    assert not Flag.objects.exists()
