"""The rules of a change hold in the model and in the database, whoever writes it."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from changes import services
from changes.models import Change, FactChange


def _data(team, **overrides):
    data = {
        "title": "Neuer Lieferant",
        "team": team,
        "category": "delivery_time",
        "customer_impact": "Lieferzeit steigt.",
        "effective_from": datetime.date(2026, 12, 7),
        "channels": ["email"],
        "severity": "high",
    }
    data.update(overrides)
    return data


def _errors(excinfo) -> dict:
    return excinfo.value.message_dict


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("title", "", "This field cannot be blank"),
        ("title", "x" * 201, "at most 200 characters"),
        ("category", "weather", "is not a valid choice"),
        ("severity", "urgent", "is not a valid choice"),
        ("channels", [], "at least one channel"),
        ("channels", ["fax"], "Unknown channel: fax"),
        ("tags", ["ok", " "], "non-empty words"),
        ("effective_until", datetime.date(2026, 12, 6), "on or after the start date"),
    ],
)
def test_invalid_change_is_refused_with_a_message_on_the_field(lead, team, field, value, fragment):
    with pytest.raises(ValidationError) as excinfo:
        services.change_create(user=lead, data=_data(team, **{field: value}))
    assert fragment in " ".join(_errors(excinfo)[field])
    assert not Change.objects.exists()


def test_a_change_may_end_on_the_day_it_starts(lead, team):
    change = services.change_create(user=lead, data=_data(team, effective_until=datetime.date(2026, 12, 7)))
    assert change.effective_until == change.effective_from


@pytest.mark.parametrize(
    ("facts", "fragment"),
    [
        ([("", "10–14 Werktage")], "old wording may not be empty"),
        ([("5–7 Werktage", "5–7 Werktage")], "must differ"),
        ([("5–7 Werktage", "a"), ("5–7 Werktage", "b")], "listed twice"),
        ([("x" * 201, "y")], "at most 200 characters"),
    ],
)
def test_invalid_fact_changes_are_refused(lead, team, facts, fragment):
    with pytest.raises(ValidationError) as excinfo:
        services.change_create(user=lead, data=_data(team), facts=facts)
    assert fragment in " ".join(_errors(excinfo)["fact_changes"])
    assert not Change.objects.exists()


def test_a_draft_may_be_incomplete_but_publishing_needs_the_customer_impact(lead, team):
    draft = services.change_create(user=lead, data=_data(team, customer_impact=""))
    with pytest.raises(ValidationError) as excinfo:
        services.change_publish(change=draft, user=lead)
    assert "customer_impact" in _errors(excinfo)
    draft.refresh_from_db()
    assert draft.status == Change.Status.DRAFT


def test_the_database_refuses_an_end_before_the_start(make_change, team):
    change = make_change(team=team)
    change.effective_until = change.effective_from - datetime.timedelta(days=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        change.save()


def test_the_database_refuses_a_published_change_without_impact(make_change, team):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_change(team=team, status=Change.Status.PUBLISHED, customer_impact="")


def test_the_database_refuses_fact_changes_that_change_nothing(make_change, team):
    change = make_change(team=team, facts=[("5–7 Werktage", "10–14 Werktage")])
    with pytest.raises(IntegrityError), transaction.atomic():
        FactChange.objects.create(change=change, old_text="gratis", new_text="gratis")
    with pytest.raises(IntegrityError), transaction.atomic():
        FactChange.objects.create(change=change, old_text="5–7 Werktage", new_text="anders")
    with pytest.raises(IntegrityError), transaction.atomic():
        FactChange.objects.create(change=change, old_text="", new_text="neu")


def test_edits_after_publishing_raise_the_revision_once_per_real_change(lead, team):
    change = services.change_create(user=lead, data=_data(team), facts=[("5–7 Werktage", "10–14 Werktage")])
    services.change_update(change=change, user=lead, data={"title": "Draft edit"})
    services.change_publish(change=change, user=lead)
    change.refresh_from_db()
    assert change.revision == 1

    assert services.change_update(change=change, user=lead, data={"title": "Draft edit"}) == []
    assert services.change_update(change=change, user=lead, data={"title": "Neu"}) == ["title"]
    services.change_update(change=change, user=lead, data={}, facts=[("5–7 Werktage", "12–16 Werktage")])
    change.refresh_from_db()
    assert change.revision == 3
    assert [f.new_text for f in change.fact_changes.all()] == ["12–16 Werktage"]


def test_a_withdrawn_change_is_final(lead, team):
    change = services.change_create(user=lead, data=_data(team))
    services.change_publish(change=change, user=lead)
    services.change_withdraw(change=change, user=lead)
    with pytest.raises(ValidationError):
        services.change_update(change=change, user=lead, data={"title": "Zurück"})
    with pytest.raises(ValidationError):
        services.change_publish(change=change, user=lead)


@pytest.mark.parametrize(("days_ahead", "late"), [(6, True), (7, False), (30, False)])
def test_a_change_published_with_less_than_the_minimum_notice_is_late(lead, team, days_ahead, late):
    from django.utils import timezone

    start = timezone.localdate() + datetime.timedelta(days=days_ahead)
    change = services.change_create(user=lead, data=_data(team, effective_from=start))
    change = services.change_publish(change=change, user=lead)
    assert change.notice_days == days_ahead
    assert change.is_late is late


def test_the_minimum_notice_is_a_setting(lead, team, settings):
    from django.utils import timezone

    settings.BULLETIN_MIN_NOTICE_DAYS = 3
    change = services.change_create(
        user=lead, data=_data(team, effective_from=timezone.localdate() + datetime.timedelta(days=4))
    )
    assert not change.is_late


def test_markdown_is_stored_sanitised(lead, team):
    change = services.change_create(
        user=lead,
        data=_data(
            team,
            customer_impact='**Neu** <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror="alert(1)">',
        ),
    )
    html = change.customer_impact_html
    assert "<strong>Neu</strong>" in html
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html


def test_every_edit_is_kept_with_who_and_which_fields(lead, team):
    from changes.selectors import change_history

    change = services.change_create(user=lead, data=_data(team), facts=[("5–7 Werktage", "10–14 Werktage")])
    services.change_update(change=change, user=lead, data={"title": "Neuer Titel"})
    edits = [entry for entry in change_history(change) if entry.what == "changed"]
    assert len(edits) == 1
    assert edits[0].who == lead
    assert edits[0].changes == [("title", "Neuer Lieferant", "Neuer Titel")]
    assert {entry.what for entry in change_history(change)} == {"created", "changed", "fact_added"}


@pytest.mark.parametrize("title", ["Neue Lieferzeit\nab Montag", "Tab\tim Titel", "Zeile\u2028Trenner"])
def test_a_title_with_a_line_break_is_refused_beside_the_field(client, lead, team, title):
    client.force_login(lead)
    response = client.post(
        reverse("changes:create"),
        {"team": team.pk, "title": title, "category": "delivery_time", "severity": "high",
         "effective_from": (timezone.localdate() + datetime.timedelta(days=10)).isoformat(), "channels": ["email"],
         "facts-TOTAL_FORMS": "0", "facts-INITIAL_FORMS": "0"},
    )
    assert response.status_code == 200 and not Change.objects.exists()
    assert "Write this on one line, without line breaks or tabs." in response.context["form"].errors["title"]


def test_titles_tags_and_wordings_stored_with_line_breaks_are_made_one_line(make_change, team):
    import importlib

    from django.apps import apps

    change = make_change(team=team, facts=[("5–7 Werktage", "10–14 Werktage")])
    Change.objects.filter(pk=change.pk).update(title="Neue\r\nLieferzeit", tags=["winter\nsale", "b2c"])
    FactChange.objects.filter(change=change).update(old_text="5–7\tWerktage")
    team.__class__.objects.filter(pk=team.pk).update(name="Ein\nkauf")

    importlib.import_module("changes.migrations.0006_single_line_fields").clean_single_line_fields(apps, None)

    change.refresh_from_db()
    team.refresh_from_db()
    assert (change.title, change.tags, team.name) == ("Neue Lieferzeit", ["winter sale", "b2c"], "Ein kauf")
    assert change.fact_changes.get().old_text == "5–7 Werktage"
