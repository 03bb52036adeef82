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
    # Marked at the end of the page, where a reader finishes; the page opens there again and says so at the top too.
    page.locator("#digest-end").get_by_role("button", name="Mark as read").click()
    expect(page.locator("#read-mark")).to_be_visible()
    expect(page.locator("#digest-end")).to_contain_text("Read on")
    expect(page.get_by_role("button", name="Mark as read")).to_have_count(0)

    lead = _login(browser, live_server, "sven")
    expect(lead.locator("tr[data-agent=mia] .read-yes")).to_be_visible()
    expect(lead.locator("tr[data-agent=tom] .read-no")).to_be_visible()


def test_section_and_category_headings_look_different(browser, live_server):
    demo_seed()
    page = _login(browser, live_server, "mia")
    section = page.locator("section.digest-section > h2").first
    category = page.locator("section.digest-section > h3").first
    style = "(e) => { const s = getComputedStyle(e); return [s.backgroundColor, s.textTransform, s.fontSize, s.color] }"
    section_look, category_look = section.evaluate(style), category.evaluate(style)
    assert section_look[0] not in ("rgba(0, 0, 0, 0)", "transparent")  # a band
    assert category_look[0] == "rgba(0, 0, 0, 0)" and category_look[1] == "uppercase"  # a small label
    assert float(category_look[2].removesuffix("px")) < float(section_look[2].removesuffix("px"))
    assert category_look[3] != section_look[3]
