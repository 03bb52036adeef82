"""The support lead imports a Zendesk export through the real form and watches progress turn into the summary."""

import re
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect

from bulletin.demo import DEMO_PASSWORD, demo_seed
from bulletin.models import ImportRun, SupportText
from bulletin.texts import import_runs
from tests.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIXTURES = Path(__file__).parent / "fixtures" / "helpdesk"
SCREENSHOT = Path("/tmp/import-summary.png")
WITH_REJECTS = """{"macros": [
  {"id": 91, "title": "Ohne Antwort", "active": true, "actions": [{"field": "status", "value": "solved"}]},
  {"title": "Ohne ID", "active": true, "actions": [{"field": "comment_value", "value": "Hallo"}]},
  {"id": 93, "title": "Gut", "active": true, "actions": [{"field": "comment_value", "value": "Alles gut."}]}
], "next_page": null, "previous_page": null, "count": 3}
"""


@pytest.fixture
def worker_waits(monkeypatch):
    """The worker starts on a run only once the test lets it, so the page is seen while the run is queued."""
    go = threading.Event()
    execute = import_runs.import_run_execute

    def gated(run_id, **kwargs):
        go.wait(20)
        execute(run_id, **kwargs)

    monkeypatch.setattr(import_runs, "import_run_execute", gated)
    return go


def test_support_lead_uploads_an_export_and_the_progress_page_turns_into_the_summary(
    browser_page, celery_worker, worker_waits, settings, tmp_path
):
    settings.IMPORT_UPLOAD_DIR = tmp_path / "imports"
    demo_seed()  # sven leads the demo's Support team, which handles support
    page = browser_page
    problems = []
    # A refused script shows as a console error; a failed request as its response (the browser's own favicon aside).
    page.on(
        "console",
        lambda m: m.type == "error" and not m.text.startswith("Failed to load resource") and problems.append(m.text),
    )
    page.on("response", lambda r: r.status >= 400 and "favicon" not in r.url and problems.append(r.url))
    more = tmp_path / "more-macros.json"
    more.write_text(WITH_REJECTS, encoding="utf-8")

    log_in(page, "sven", DEMO_PASSWORD)
    page.get_by_role("link", name="Import texts").first.click()
    page.fill("#id_source", "acme-zendesk")
    page.fill("#id_base_url", "https://acme.zendesk.com")
    page.set_input_files("#id_file", [str(FIXTURES / "zendesk-macros.json"), str(more)])
    page.get_by_role("button", name="Start import").click()

    page.wait_for_url(re.compile(r".*/texts/import/\d+/$"))
    expect(page.locator("#import-progress")).to_be_visible()
    expect(page.locator("#import-status")).to_have_text("Queued")
    worker_waits.set()

    summary = page.locator(".import-summary")
    expect(summary).to_be_visible(timeout=20_000)  # import.js saw the run finish and reloaded
    expect(page.locator("#import-progress")).to_have_count(0)
    expect(summary).to_contain_text("Read zendesk-macros.json as Zendesk macros (detected).")
    expect(summary).to_contain_text("5 created, 0 updated, 0 unchanged, 2 rejected.")
    rows = page.locator("table.rejected tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("more-macros.json, item 1")
    expect(rows.nth(1)).to_contain_text("more-macros.json, item 2")
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    run = ImportRun.objects.get()
    assert (run.status, run.started_by.username, run.created) == ("done", "sven", 5)
    assert SupportText.objects.filter(source="acme-zendesk").count() == 5
    assert not problems, problems  # no script refused by the Content-Security-Policy, no error
