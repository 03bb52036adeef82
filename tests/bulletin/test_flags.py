import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from bulletin.models import Flag
from bulletin.texts.flags import flag_dismiss, flags_rescan_all, flags_scan_change, flags_scan_texts
from bulletin.texts.importing import support_texts_import
from bulletin.texts.selectors import flags_for_digest
from changes.models import Change

pytestmark = pytest.mark.django_db


def test_publishing_scan_flags_texts_that_state_the_old_fact(delivery_change, make_text):
    stale = make_text("Ihre Bestellung kommt in 5 - 7 Werktagen bei Ihnen an.")
    make_text("Ihre Bestellung kommt in 15–7 Werktage.")  # not at a word start
    make_text("Danke für Ihre Nachricht!")

    result = flags_scan_change(change_id=delivery_change.pk)

    flag = Flag.objects.get()
    assert result.opened == 1
    assert flag.support_text == stale and flag.change == delivery_change and flag.status == "open"
    assert stale.body[flag.spot.start : flag.spot.end] == "5 - 7 Werktage"
    assert flag.spot.proposed_text == "Ihre Bestellung kommt in 10–14 Werktagen bei Ihnen an."
    assert "5 - 7 Werktagen" in flag.spot.excerpt


def test_scans_are_idempotent(delivery_change, make_text):
    make_text("Lieferung in 5–7 Werktagen.")
    flags_scan_change(change_id=delivery_change.pk)
    again = flags_scan_change(change_id=delivery_change.pk)
    full = flags_rescan_all()
    assert Flag.objects.count() == 1
    assert (again.opened, again.resolved, again.dismissed, again.refreshed) == (0, 0, 0, 0)
    assert (full.opened, full.resolved, full.dismissed, full.refreshed) == (0, 0, 0, 0)


def _import(body, *, external_id="m1"):
    return support_texts_import(
        rows=[(2, {"external_id": external_id, "kind": "macro", "title": "Lieferzeit", "body": body})],
        source="zendesk",
    )


def test_reimport_with_new_wording_resolves_the_flag(delivery_change):
    first = _import("Die Lieferzeit beträgt 5–7 Werktage.")
    flags_scan_texts(text_ids=first.changed_ids)
    assert Flag.objects.get().status == "open"

    second = _import("Die Lieferzeit beträgt 10–14 Werktage.")
    assert second.updated == 1
    flags_scan_texts(text_ids=second.changed_ids)

    flag = Flag.objects.get()
    assert flag.status == "resolved" and flag.resolved_at is not None


def test_unchanged_reimport_leaves_the_flag_open(delivery_change):
    first = _import("Die Lieferzeit beträgt 5–7 Werktage.")
    flags_scan_texts(text_ids=first.changed_ids)
    second = _import("Die Lieferzeit beträgt 5–7 Werktage.")
    assert (second.unchanged, second.changed_ids) == (1, [])
    flags_scan_texts(text_ids=[Flag.objects.get().support_text_id])
    flags_rescan_all()
    assert Flag.objects.get().status == "open"


def test_an_edit_that_keeps_the_old_wording_keeps_the_flag_open_with_a_fresh_proposal(delivery_change, make_text):
    text = make_text("Lieferung: 5–7 Werktage.")
    flags_scan_texts(text_ids=[text.pk])
    text.body = "Lieferung (Möbel): 5–7 Werktage."
    text.save()
    flags_scan_texts(text_ids=[text.pk])
    flag = Flag.objects.get()
    assert flag.status == "open" and flag.spot.proposed_text == "Lieferung (Möbel): 10–14 Werktage."


def test_regressed_text_reopens_its_flag(delivery_change, make_text):
    text = make_text("Lieferung: 5–7 Werktage.")
    flags_scan_texts(text_ids=[text.pk])
    text.body = "Lieferung: 10–14 Werktage."
    text.save()
    flags_scan_texts(text_ids=[text.pk])
    text.body = "Lieferung: 5-7 Werktage."
    text.save()
    flags_scan_texts(text_ids=[text.pk])
    assert Flag.objects.get().status == "open"


def test_dismissing_needs_a_reason_and_records_who_and_when(delivery_change, make_text, agent):
    make_text("Lieferung: 5–7 Werktage.")
    flags_scan_change(change_id=delivery_change.pk)
    flag = Flag.objects.get()
    with pytest.raises(ValidationError) as error:
        flag_dismiss(flag=flag, user=agent, reason="   ")
    assert "reason" in error.value.message_dict
    flag = flag_dismiss(flag=flag, user=agent, reason="Nur B2B-Kunden betroffen.")
    assert (flag.status, flag.dismissed_by, flag.dismiss_reason) == ("dismissed", agent, "Nur B2B-Kunden betroffen.")
    assert flag.dismissed_at is not None


def test_a_persons_dismissal_survives_rescans(delivery_change, make_text, agent):
    make_text("Lieferung: 5–7 Werktage.")
    flags_scan_change(change_id=delivery_change.pk)
    flag_dismiss(flag=Flag.objects.get(), user=agent, reason="B2B")
    flags_rescan_all()
    assert Flag.objects.get().status == "dismissed"


def test_a_persons_dismissal_stands_after_their_account_is_deleted(delivery_change, make_text, agent):
    make_text("Lieferung in 5–7 Werktagen.")
    flags_scan_change(change_id=delivery_change.pk)
    flag_dismiss(flag=Flag.objects.get(), user=agent, reason="Nur B2B")
    agent.delete()
    flags_rescan_all()
    flag = Flag.objects.get()
    assert (flag.status, flag.dismiss_reason, flag.dismissed_by_bulletin) == ("dismissed", "Nur B2B", False)


def test_withdrawn_change_dismisses_its_open_flags_with_that_reason(delivery_change, make_text):
    make_text("Lieferung: 5–7 Werktage.")
    flags_scan_change(change_id=delivery_change.pk)
    Change.objects.filter(pk=delivery_change.pk).update(status="withdrawn", withdrawn_at=timezone.now())
    flags_scan_change(change_id=delivery_change.pk)
    flag = Flag.objects.get()
    assert flag.status == "dismissed" and flag.dismissed_by is None
    assert "withdrawn" in flag.dismiss_reason.lower() or "zurückgezogen" in flag.dismiss_reason.lower()


def test_nightly_rescan_dismisses_flags_of_ended_changes(delivery_change, make_text):
    make_text("Lieferung: 5–7 Werktage.")
    flags_scan_change(change_id=delivery_change.pk)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Change.objects.filter(pk=delivery_change.pk).update(
        effective_from=yesterday - datetime.timedelta(days=5), effective_until=yesterday
    )
    flags_rescan_all()
    flag = Flag.objects.get()
    assert flag.status == "dismissed" and flag.dismiss_reason


def test_editing_a_fact_after_publishing_rescans_accordingly(delivery_change, make_text, lead):
    from changes.services import change_update

    make_text("Lieferung: 5–7 Werktage.")
    make_text("Versand ab 50 € kostenlos.")
    flags_scan_change(change_id=delivery_change.pk)
    Change.objects.filter(pk=delivery_change.pk).update(team=lead.memberships.get().team)
    change_update(change=delivery_change, user=lead, data={}, facts=[("ab 50 €", "ab 79 €")])
    flags_scan_change(change_id=delivery_change.pk)
    statuses = {flag.old_text: flag.status for flag in Flag.objects.all()}
    assert statuses == {"5–7 Werktage": "dismissed", "ab 50 €": "open"}


def test_a_cosmetic_edit_of_the_old_wording_keeps_the_flags_and_a_persons_dismissal(
    delivery_change, make_text, lead, agent
):
    from changes.services import change_update

    make_text("Lieferung: 5–7 Werktage.")
    make_text("Lieferung für B2B: 5-7 Werktage.")
    flags_scan_change(change_id=delivery_change.pk)
    b2b = Flag.objects.get(support_text__body__contains="B2B")
    flag_dismiss(flag=b2b, user=agent, reason="Nur B2B")
    Change.objects.filter(pk=delivery_change.pk).update(team=lead.memberships.get().team)
    change_update(change=delivery_change, user=lead, data={}, facts=[("5-7 werktage", "10–14 Werktage")])
    flags_scan_change(change_id=delivery_change.pk)
    flags = {flag.support_text.body: (flag.status, flag.old_text) for flag in Flag.objects.all()}
    assert flags == {
        "Lieferung: 5–7 Werktage.": ("open", "5-7 werktage"),
        "Lieferung für B2B: 5-7 Werktage.": ("dismissed", "5–7 Werktage"),
    }


def test_a_flag_whose_wording_the_change_no_longer_asks_for_is_dismissed_not_resolved(
    delivery_change, make_text, lead
):
    from changes.services import change_update

    make_text("Lieferung: 5–7 Werktage.")
    flags_scan_change(change_id=delivery_change.pk)
    Change.objects.filter(pk=delivery_change.pk).update(team=lead.memberships.get().team)
    change_update(change=delivery_change, user=lead, data={}, facts=[("6–8 Werktage", "10–14 Werktage")])
    flags_scan_change(change_id=delivery_change.pk)
    flag = Flag.objects.get()
    assert flag.status == "dismissed" and "old wording was edited" in flag.dismiss_reason


def test_deactivated_text_has_its_flags_dismissed(delivery_change, make_text):
    text = make_text("Lieferung: 5–7 Werktage.")
    flags_scan_change(change_id=delivery_change.pk)
    text.active = False
    text.save()
    flags_scan_texts(text_ids=[text.pk])
    assert Flag.objects.get().status == "dismissed"


def test_draft_changes_flag_nothing(make_change, team, make_text):
    draft = make_change(team=team, facts=[("5–7 Werktage", "10–14 Werktage")])
    make_text("Lieferung: 5–7 Werktage.")
    flags_scan_change(change_id=draft.pk)
    flags_rescan_all()
    assert not Flag.objects.exists()


def test_digest_selector_groups_open_flags_per_owner_team_overdue_first(make_change, team, other_team, make_text):
    today = timezone.localdate()
    running = make_change(
        team=team,
        status="published",
        facts=[("5–7 Werktage", "10–14")],
        effective_from=today - datetime.timedelta(days=1),
    )
    coming = make_change(team=team, status="published", facts=[("ab 50 €", "ab 79 €")])
    make_text("A: 5–7 Werktage und ab 50 €", owner_team=other_team)
    make_text("B: ab 50 €")
    flags_rescan_all()
    groups, total = flags_for_digest(changes=Change.objects.all(), limit=10)
    assert total == 3 and [group.team for group in groups] == [other_team, None]
    assert [flag.change for flag in groups[0].flags] == [running, coming]
    assert groups[0].flags[0].overdue and not groups[0].flags[1].overdue


def test_publishing_with_the_broker_down_still_publishes(
    make_change, team, lead, fake_broker, django_capture_on_commit_callbacks
):
    from changes.services import change_publish

    fake_broker.down = True
    draft = make_change(team=team, facts=[("5–7 Werktage", "10–14 Werktage")])
    with django_capture_on_commit_callbacks(execute=True):
        change_publish(change=draft, user=lead)
    draft.refresh_from_db()
    assert draft.status == "published"


def test_flags_of_a_removed_fact_change_are_all_dismissed(delivery_change, make_text):
    make_text("A: 5–7 Werktage.")
    make_text("B: 5–7 Werktage.")
    flags_scan_change(change_id=delivery_change.pk)
    delivery_change.fact_changes.all().delete()  # SET_NULL on the flags
    flags_scan_change(change_id=delivery_change.pk)
    assert set(Flag.objects.values_list("status", flat=True)) == {"dismissed"}


def test_full_rescan_reads_backslashes_and_umlauts_the_way_the_text_says_them(make_change, team, make_text):
    change = make_change(
        team=team,
        status="published",
        facts=[(r"Ordner \\server\versand", "Portal"), ("Rücksendung 14 Tage", "30 Tage")],
    )
    windows = make_text(r"Die Etiketten liegen im Ordner \\server\versand bereit.")
    make_text(r"Die Etiketten liegen im Ordner \server\versand bereit.")  # one backslash less: another path
    returns = make_text("Die RÜCKSENDUNG 14 Tage lang kostenlos.")
    make_text("Keine Rücksendung 145 Tage nach Kauf.")

    flags_rescan_all()

    assert {(flag.support_text, flag.fact_change.change) for flag in Flag.objects.all()} == {
        (windows, change), (returns, change)
    }


def test_full_rescan_finds_texts_in_every_block_of_a_large_corpus(delivery_change, make_text, monkeypatch):
    monkeypatch.setattr("bulletin.texts.corpus.BLOCK_BYTES", 64)  # a block every row or two
    stale = {make_text(f"Text {n}: Lieferung in 5–7 Werktagen.").pk for n in range(0, 40, 3)}
    for n in range(40):
        if n % 3:
            make_text(f"Text {n}: Lieferung in 15–7 Werktagen.")

    result = flags_rescan_all()

    assert result.texts_scanned == 40
    assert set(Flag.objects.values_list("support_text_id", flat=True)) == stale


def test_scanning_most_texts_at_once_flags_exactly_the_stale_ones(delivery_change, make_text, monkeypatch):
    # A first import: more texts than one chunk, most of the corpus.
    monkeypatch.setattr("bulletin.texts.flags.CHUNK", 2)
    stale = {make_text(f"Text {n}: Lieferung in 5–7 Werktagen.").pk for n in range(3)}
    fresh = {make_text(f"Text {n}: Lieferung in 10–14 Werktagen.").pk for n in range(3)}

    result = flags_scan_texts(text_ids=[*stale, *fresh])

    assert result.opened == 3 and result.texts_scanned == 6
    assert set(Flag.objects.values_list("support_text_id", flat=True)) == stale
