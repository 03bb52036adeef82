import os

import pytest

from bulletin.texts.flags import flags_scan_change

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]


@pytest.fixture
def page(transactional_db, monkeypatch):
    """Chromium against a live server started for this test."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.db import connections
    from django.test.testcases import LiveServerThread

    playwright_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists("/usr/bin/chromium"):
        pytest.skip("no Chromium at /usr/bin/chromium")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    server = LiveServerThread("127.0.0.1", static_handler=StaticFilesHandler, connections_override={})
    server.daemon = True
    server.start()
    server.is_ready.wait()
    url = f"http://127.0.0.1:{server.port}"
    try:
        with playwright_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            context = browser.new_context(base_url=url)
            context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
            yield context.new_page()
            browser.close()
            # Inside Playwright's greenlet the test's ORM calls opened a connection of their own;
            # left open, it keeps the test database from being dropped at the end of the run.
            connections.close_all()
    finally:
        server.terminate()


def test_agent_copies_the_proposed_text_and_sees_the_spot_highlighted(
    page, make_user, make_team, delivery_change, make_text
):
    make_user("mia", team=make_team("support", "Support"), role="agent", password="pw-mia-123")
    make_text("Die Lieferzeit beträgt 5 – 7 Werktage.", title="Lieferzeit")
    flags_scan_change(change_id=delivery_change.pk)

    page.goto("/accounts/login/")
    page.fill("input[name=username]", "mia")
    page.fill("input[name=password]", "pw-mia-123")
    page.click("button[type=submit]")
    page.goto("/flags/")
    page.click("text=Lieferzeit")

    assert page.inner_text("mark") == "5 – 7 Werktage"
    page.click("button.copy")
    page.wait_for_function("document.querySelector('button.copy').textContent === 'Copied'")
    assert page.evaluate("navigator.clipboard.readText()") == "Die Lieferzeit beträgt 10–14 Werktage."
