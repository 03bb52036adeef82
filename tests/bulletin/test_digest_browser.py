"""An agent reads this week's digest in a real Chromium and marks it read; a lead sees the mark."""

import re

import pytest

from bulletin.demo import DEMO_PASSWORD, demo_seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(browser, live_server, username):
    page = browser.new_context(locale="en-US").new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/accounts/login/?next=/digest/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url(re.compile(r".*/digest/$"))
    return page


def test_agent_reads_the_demo_change_and_marks_it_read_and_lead_sees_it(browser, live_server):
    from playwright.sync_api import expect

    demo_seed()
    page = _login(browser, live_server, "mia")
    change = page.locator(".digest-entry", has_text="Neuer Lieferant für Gartenmöbel")
    expect(change).to_have_count(1)
    section = change.locator("xpath=ancestor::section[1]")
    assert section.get_attribute("id") in {"section-starting", "section-coming"}
    expect(change).to_contain_text("10–14 Werktage")
    page.get_by_role("button", name="Mark as read").click()
    expect(page.locator("#read-mark")).to_be_visible()

    lead = _login(browser, live_server, "sven")
    expect(lead.locator("tr[data-agent=mia] .read-yes")).to_be_visible()
    expect(lead.locator("tr[data-agent=tom] .read-no")).to_be_visible()
