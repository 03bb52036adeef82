"""/api/redoc/ in Chromium: every request stays on our server, and the console shows no error."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_redoc_asks_only_our_server_and_logs_no_error(browser_page):
    page = browser_page
    requests, errors = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{page.base_url}/api/redoc/")
    page.wait_for_selector("text=Bulletin API", timeout=15_000)
    # The side menu's footer is where Redoc puts Redocly's logo; it must have rendered for the check to count.
    page.wait_for_selector("text=API docs by Redocly")
    page.wait_for_load_state("networkidle")
    # Redoc's search runs in a worker started from a blob: URL, which is ours as well.
    elsewhere = [url for url in requests if not url.startswith((f"{page.base_url}/", "blob:", "data:"))]
    assert elsewhere == [] and errors == []
    assert f"{page.base_url}/api/schema/" in requests
