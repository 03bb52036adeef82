import datetime

from django.urls import reverse

from changes.models import Change


def _form_data(team, **overrides):
    data = {
        "title": "Neuer Lieferant",
        "team": team.pk,
        "category": "delivery_time",
        "severity": "high",
        "effective_from": "2026-12-07",
        "effective_until": "",
        "channels": ["email", "chat"],
        "customer_impact": "Lieferzeit **10–14 Werktage**",
        "support_guidance": "Ehrlich sein.",
        "tags": "lieferant, garten",
        "facts-TOTAL_FORMS": "2",
        "facts-INITIAL_FORMS": "0",
        "facts-0-old_text": "5–7 Werktage",
        "facts-0-new_text": "10–14 Werktage",
        "facts-1-old_text": "",
        "facts-1-new_text": "",
    }
    data.update(overrides)
    return data


def test_lead_files_a_draft_with_fact_changes(client, lead, team):
    client.force_login(lead)
    response = client.post(reverse("changes:create"), _form_data(team))
    change = Change.objects.get()
    assert response.status_code == 302
    assert response["Location"] == change.get_absolute_url()
    assert change.status == Change.Status.DRAFT
    assert change.tags == ["lieferant", "garten"]
    assert [(f.old_text, f.new_text) for f in change.fact_changes.all()] == [("5–7 Werktage", "10–14 Werktage")]
    assert change.effective_from == datetime.date(2026, 12, 7)


def test_form_error_is_shown_beside_the_field_and_keeps_the_input(client, lead, team):
    client.force_login(lead)
    response = client.post(reverse("changes:create"), _form_data(team, effective_until="2026-12-01"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_effective_until_error"' in html
    assert "Neuer Lieferant" in html and "5–7 Werktage" in html
    assert not Change.objects.exists()


def test_a_date_centuries_away_or_a_novel_of_markdown_is_an_error_beside_its_field(client, lead, team):
    client.force_login(lead)
    response = client.post(
        reverse("changes:create"),
        _form_data(team, effective_from="9999-12-31", customer_impact="x" * 10_001),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_effective_from_error"' in html and 'id="id_customer_impact_error"' in html
    assert not Change.objects.exists()


def test_an_old_wording_that_is_too_long_gets_one_error_saying_so(client, lead, team):
    client.force_login(lead)
    response = client.post(reverse("changes:create"), _form_data(team, **{"facts-0-old_text": "x" * 201}))
    errors = response.context["facts"].forms[0].errors["old_text"]
    assert len(errors) == 1 and "200" in errors[0]
