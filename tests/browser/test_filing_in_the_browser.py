"""A lead files, corrects and publishes a change in a real browser."""

import datetime

import pytest
from django.utils import timezone

from changes.models import Change, Membership
from tests.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_lead_files_corrects_and_publishes_a_change(browser_page, make_user, make_team):
    page = browser_page
    make_user("anna", team=make_team("einkauf", "Einkauf"), role=Membership.Role.LEAD, password="pw-anna")
    start = timezone.localdate() + datetime.timedelta(days=14)

    log_in(page, "anna", "pw-anna")
    page.goto(f"{page.base_url}/changes/new/")
    page.fill("#id_title", "Neuer Lieferant für Gartenmöbel")
    page.select_option("#id_category", "delivery_time")
    page.select_option("#id_severity", "high")
    page.fill("#id_effective_from", start.isoformat())
    page.fill("#id_effective_until", (start - datetime.timedelta(days=1)).isoformat())
    page.check("input[name=channels][value=email]")
    page.check("input[name=channels][value=chat]")
    page.fill("#id_customer_impact", "Die Lieferzeit steigt auf **10–14 Werktage**.")
    page.fill("#id_support_guidance", "Offen sagen, dass es länger dauert.")
    page.fill("#id_facts-0-old_text", "5–7 Werktage")
    page.fill("#id_facts-0-new_text", "10–14 Werktage")
    page.click("#add-fact")
    page.fill("#id_facts-1-old_text", "Lieferung in einer Woche")
    page.fill("#id_facts-1-new_text", "Lieferung in zwei bis drei Wochen")
    page.click("button.preview-button[data-preview-for=id_customer_impact]")
    assert page.wait_for_selector("#id_customer_impact_preview strong").inner_text() == "10–14 Werktage"
    page.click(".actions button[type=submit]")

    # The error stands beside the end date, and nothing typed is lost.
    error = page.locator("#id_effective_until_error")
    assert "on or after the start date" in error.inner_text()
    assert page.input_value("#id_title") == "Neuer Lieferant für Gartenmöbel"
    assert page.input_value("#id_facts-1-old_text") == "Lieferung in einer Woche"
    assert not Change.objects.exists()

    page.fill("#id_effective_until", (start + datetime.timedelta(days=60)).isoformat())
    page.click(".actions button[type=submit]")
    page.wait_for_url("**/changes/*/")
    page.click("summary:has-text('Publish')")
    page.click("button:has-text('Yes, publish')")
    page.wait_for_selector(".messages")

    change = Change.objects.get()
    assert change.status == Change.Status.PUBLISHED
    assert [(f.old_text, f.new_text) for f in change.fact_changes.all()] == [
        ("5–7 Werktage", "10–14 Werktage"),
        ("Lieferung in einer Woche", "Lieferung in zwei bis drei Wochen"),
    ]
    page.goto(f"{page.base_url}/changes/")
    assert page.locator("table.changes").get_by_text("Neuer Lieferant für Gartenmöbel").is_visible()


def test_leaving_a_form_with_typed_input_asks_first(browser_page, make_user, make_team):
    page = browser_page
    make_user("anna", team=make_team("einkauf", "Einkauf"), role=Membership.Role.LEAD, password="pw-anna")
    log_in(page, "anna", "pw-anna")
    page.goto(f"{page.base_url}/changes/new/")
    asked = []

    def dismiss(dialog):
        asked.append(dialog.type)
        dialog.dismiss()  # stay on the page

    page.on("dialog", dismiss)
    page.fill("#id_title", "Halb ausgefüllt")
    page.select_option("#language", "de")  # the language switch submits at once
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    assert page.input_value("#id_title") == "Halb ausgefüllt"
