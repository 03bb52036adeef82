"""An agent reads this week's digest in a real Chromium and marks it read; a lead sees the mark."""

import os
import re

import pytest
from django.db import connections

from bulletin.demo import DEMO_PASSWORD, demo_seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]


@pytest.fixture
def browser(live_server):
    # Depends on live_server so Chromium closes its keep-alive connections before the
    # server stops; otherwise a request thread keeps a database session open at teardown.
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium not installed at /usr/bin/chromium")
    # live_server runs Django in a thread of this (async-looking) process.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _login(browser, live_server, username):
    page = browser.new_context(locale="en-US").new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/digest/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url(re.compile(r".*/digest/$"))
    return page


def test_agent_reads_the_demo_change_and_marks_it_read_and_lead_sees_it(browser, live_server, request):
    from playwright.sync_api import expect

    demo_seed()
    # Playwright's sync API runs on greenlets with their own context, so the connection
    # this test body opens is not the one pytest-django closes; left open, it blocks
    # dropping the test database at the end of the run.
    request.addfinalizer(connections.close_all)
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
