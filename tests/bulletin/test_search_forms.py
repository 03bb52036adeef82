"""Flags find an old fact however support wrote it: ranges in words, numbers as words, amounts, thousands,
invisible characters and the glossary's synonyms; never at the cost of the word and number rules."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from bulletin.texts.flags import flags_rescan_all, flags_scan_change
from bulletin.texts.models import Flag
from changes.models import Synonym
from changes.search_forms import search_forms

pytestmark = pytest.mark.django_db


@pytest.fixture
def scan(make_change, team, make_text):
    """scan(old, new, texts) → the texts (by body) that got an open flag."""

    def run(old, new, bodies):
        change = make_change(team=team, status="published", facts=[(old, new)])
        texts = {make_text(body, external_id=f"{change.pk}-{index}").pk: body for index, body in enumerate(bodies)}
        flags_scan_change(change_id=change.pk)
        flagged = Flag.objects.filter(change=change, status=Flag.Status.OPEN).values_list("support_text_id", flat=True)
        return {texts[pk] for pk in flagged}

    return run


DELIVERY_DE_FOUND = [
    "Die Lieferzeit beträgt 5 bis 7 Werktage.",
    "Wir liefern in 5 bis 7 Werktagen.",
    "Lieferung von 5 bis 7 Werktagen.",
    "Die Lieferung dauert zwischen 5 und 7 Werktagen.",
    "Sie erhalten die Ware in fünf bis sieben Werktagen.",
    "Lieferzeit: 5-7 Arbeitstage.",
    "Lieferzeit: 5 – 7 Werktage.",
    "Lieferzeit: 5\u00ad–7 Werktage.",  # a soft hyphen
    "Lieferzeit: 5–7 Werk\u200btage.",  # a zero-width space
    "<p>Lieferzeit: 5&shy;–7 Werktage.</p>",
    "\ufeffLieferzeit: 5–7\u2060 Werktage.",
]
DELIVERY_DE_NOT_FOUND = [
    "Die Lieferzeit beträgt 15 bis 7 Werktage.",
    "Die Lieferzeit beträgt 5 bis 70 Werktage.",
    "Die Lieferzeit beträgt 2,5 bis 7 Werktage.",
    "Die Lieferzeit beträgt 5 bis 8 Werktage.",
    "Die Lieferzeit beträgt 5 bis 7 Wochen.",
]


def test_a_german_range_is_found_in_every_form_and_not_in_its_near_misses(scan):
    found = scan("5–7 Werktage", "10–14 Werktage", DELIVERY_DE_FOUND + DELIVERY_DE_NOT_FOUND)
    assert found == set(DELIVERY_DE_FOUND)


def test_an_english_range_is_found_in_every_form(scan):
    said = [
        "Delivery in 5 to 7 business days.",
        "Delivery in between 5 and 7 business days.",
        "delivery in five to seven business days",
        "Delivery in 5-7 working days.",
        "delivery in from 5 to 7 business days",
    ]
    missed = ["Delivery in 15 to 7 business days.", "Delivery in 5 to 70 business days."]
    found = scan("delivery in 5-7 business days", "delivery in 10-14 business days", said + missed)
    assert found == set(said[:4])  # "in from 5 to 7" does not say "delivery in 5 to 7"


def test_an_amount_is_one_amount_however_it_is_written(scan):
    said = [
        "Versandkosten 4,95 €", "Versandkosten 4,95€", "Versandkosten € 4,95", "Versandkosten €4,95",
        "Versandkosten 4,95 EUR", "Versandkosten EUR 4,95", "Versandkosten 4,95 Euro", "Versandkosten €4.95",
        "Versandkosten 4.95 EUR", "Versandgebühren 4,95 €",
    ]
    missed = ["Versandkosten 14,95 €", "Versandkosten 4,99 €", "Versandkosten 4,951 €", "Versandkosten 4 €"]
    assert scan("Versandkosten 4,95 €", "Versandkosten 5,95 €", said + missed) == set(said)


def test_thousands_are_one_number_however_they_are_grouped(scan):
    said = ["Mengenrabatt ab 1.000 Stück", "Mengenrabatt ab 1000 Stück", "Mengenrabatt ab 1 000 Stück"]
    missed = ["Mengenrabatt ab 10.000 Stück", "Mengenrabatt ab 1.0001 Stück"]
    assert scan("Mengenrabatt ab 1.000 Stück", "Mengenrabatt ab 2.000 Stück", said + missed) == set(said)


def test_a_number_written_out_is_the_digit_but_a_number_at_the_end_stays_exact(scan):
    assert scan("7 Tage Rückgabe", "14 Tage Rückgabe", ["Sieben Tage Rückgabe.", "17 Tage Rückgabe."]) == {
        "Sieben Tage Rückgabe."
    }
    assert scan("seven days return", "14 days return", ["7 days return policy"]) == {"7 days return policy"}
    assert scan("Modell 8", "Modell 9", ["Modell 85 ist da.", "Modell 8,5 ist da.", "Modell acht"]) == set()


def test_the_flag_says_which_form_it_found_and_proposes_the_new_wording_in_it(make_change, team, make_text):
    change = make_change(team=team, status="published", facts=[("5–7 Werktage", "10–14 Werktage")])
    text = make_text("Die Lieferung dauert zwischen 5 und 7 Werktagen.")
    flags_scan_change(change_id=change.pk)
    flag = text.flags.get()
    assert flag.found_form == "zwischen 5 und 7 Werktage"
    assert flag.spot.proposed_text == "Die Lieferung dauert zwischen 10 und 14 Werktagen."
    assert text.body[flag.spot.start : flag.spot.end] == "zwischen 5 und 7 Werktage"


def test_the_flag_page_shows_the_form_found(client, agent, make_change, team, make_text):
    change = make_change(team=team, status="published", facts=[("5–7 Werktage", "10–14 Werktage")])
    flag_text = make_text("Sie erhalten die Ware in fünf bis sieben Werktagen.")
    flags_scan_change(change_id=change.pk)
    client.force_login(agent)
    html = client.get(flag_text.flags.get().get_absolute_url()).content.decode()
    assert "<mark>fünf bis sieben Werktage</mark>" in html and "Found as" in html


def test_a_synonym_added_is_found_by_the_next_scan_and_one_removed_dismisses_its_flags(
    admin_client, make_change, team, make_text, fake_broker, django_capture_on_commit_callbacks
):
    change = make_change(team=team, status="published", facts=[("Rückgabe in 30 Tagen", "Rückgabe in 14 Tagen")])
    text = make_text("Umtausch in 30 Tagen, kostenlos.")
    flags_scan_change(change_id=change.pk)
    assert not text.flags.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:changes_synonym_add"), {"language": "de", "term": "Rückgabe", "synonym": "Umtausch"}
        )
    assert response.status_code == 302
    assert fake_broker.args_of("bulletin.tasks.flags_rescan_all_task") == [()]  # the glossary changed: re-scan
    flags_rescan_all()
    flag = text.flags.get()
    assert flag.status == Flag.Status.OPEN and flag.found_form == "Umtausch in 30 Tagen"

    synonym = Synonym.objects.get(term="Rückgabe", synonym="Umtausch")
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("admin:changes_synonym_delete", args=[synonym.pk]), {"post": "yes"})
    flags_rescan_all()
    flag.refresh_from_db()
    assert flag.status == Flag.Status.DISMISSED
    assert "Umtausch in 30 Tagen" in flag.dismiss_reason and "glossary" in flag.dismiss_reason


def test_the_seeded_glossary_knows_common_support_terms():
    pairs = set(Synonym.objects.values_list("term", "synonym"))
    assert {("Werktage", "Arbeitstage"), ("business days", "working days"), ("Versandkosten", "Versandgebühren"),
            ("Rücksendung", "Retoure")} <= pairs


def test_the_change_page_and_the_filing_form_say_what_is_also_found(client, lead, team, make_change):
    change = make_change(team=team, user=lead, status="published", facts=[("5–7 Werktage", "10–14 Werktage")])
    client.force_login(lead)
    html = client.get(change.get_absolute_url()).content.decode()
    assert "Also finds:" in html and "5 bis 7 Werktage · " in html and "5–7 Arbeitstage" in html
    answer = client.get(reverse("changes:search-forms"), {"old": "5–7 Werktage", "new": "10–14 Werktage"}).json()
    assert answer["forms"][:2] == ["5 bis 7 Werktage", "fünf bis sieben Werktage"]
    assert client.get(reverse("changes:search-forms"), {"old": "x" * 201}).status_code == 400


def test_only_people_who_file_changes_ask_for_search_forms(client, agent):
    client.force_login(agent)
    assert client.get(reverse("changes:search-forms"), {"old": "5–7 Werktage"}).status_code == 403
    client.logout()
    assert client.get(reverse("changes:search-forms"), {"old": "5–7 Werktage"}).status_code == 302


def test_forms_are_bounded_and_the_wording_as_filed_comes_first():
    forms = search_forms("Versandkosten 4,95 € bei 5–7 Werktagen", "Versandkosten 5,95 € bei 10–14 Werktagen")
    assert forms[0].old == "Versandkosten 4,95 € bei 5–7 Werktagen" and len(forms) <= 80
    assert get_user_model().objects.count() == 0  # pure: no database needed beyond the glossary
