"""The live sync against a local help desk answering as Zendesk and Freshdesk document (tests/helpdesk_server.py)."""

import datetime
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.utils import timezone

from bulletin.texts.flags import flags_scan_texts
from bulletin.texts.helpdesk_api import HelpdeskNotConfigured
from bulletin.texts.models import Flag, HelpdeskSync, SupportText
from bulletin.texts.syncing import SyncStatus, helpdesk_sync
from config.celery import enqueue_now
from tests.conftest import wait_for
from tests.helpdesk_server import Answer, FakeFreshdesk, FakeZendesk

ROOT = Path(__file__).resolve().parents[2]
EMAIL, TOKEN, API_KEY = "sync@acme.example", "zd-token-123", "fd-key-456"
MACROS, ARTICLES = "/api/v2/macros.json", "/api/v2/help_center/articles.json"
INCREMENTAL = "/api/v2/help_center/incremental/articles.json"
DELIVERY_MACRO = "macro/360018203411"  # the active macro that says "5–7 Werktage"


@pytest.fixture
def retry_fast(settings):
    settings.HELPDESK_RETRY_BASE_SECONDS = 0.01
    settings.HELPDESK_MAX_ATTEMPTS = 3
    settings.HELPDESK_RETRY_AFTER_MAX_SECONDS = 5


@pytest.fixture
def zendesk(settings, retry_fast):
    """Zendesk with the fixtures' 4 macros and 4 articles, 2 to a page: both lists take two pages."""
    fake = FakeZendesk(email=EMAIL, token=TOKEN, page_size=2)
    settings.ZENDESK_BASE_URL, settings.ZENDESK_EMAIL, settings.ZENDESK_API_TOKEN = fake.url, EMAIL, TOKEN
    yield fake
    fake.close()


@pytest.fixture
def freshdesk(settings, retry_fast):
    fake = FakeFreshdesk(api_key=API_KEY, page_size=2)
    settings.FRESHDESK_BASE_URL, settings.FRESHDESK_API_KEY = fake.url, API_KEY
    yield fake
    fake.close()


def texts(source="zendesk"):
    return {text.external_id: text for text in SupportText.objects.filter(source=source)}


@pytest.mark.django_db
def test_first_zendesk_sync_creates_every_text_with_its_link_language_and_state(zendesk, fake_broker):
    result = helpdesk_sync(helpdesk="zendesk")

    assert result.status == SyncStatus.DONE and result.rejected == []
    assert (result.created, result.updated, result.unchanged, result.deactivated) == (9, 0, 0, 0)
    # Cursor pagination: Zendesk's offset pagination stops after 10,000 macros.
    assert [r.query.get("page[after]") for r in zendesk.server.requests_to(MACROS)] == [None, "2"]
    assert all(r.query.get("page[size]") == "100" for r in zendesk.server.requests_to(MACROS))
    assert [r.query.get("page") for r in zendesk.server.requests_to(ARTICLES)] == [None, "2"]
    assert zendesk.server.requests_to(ARTICLES)[0].query == {"include": "translations", "per_page": "100"}
    stored = texts()
    assert set(stored) == {
        "macro/360018203411", "macro/360018203512", "macro/360018203613", "macro/360018203714",
        "article/4410203040501/de", "article/4410203040501/en-us", "article/4410203040602/de",
        "article/4410203040703/de", "article/4410203040804/de",
    }  # fmt: skip
    macro = stored[DELIVERY_MACRO]
    assert "5–7 Werktage" in macro.body and "{{ticket.requester.first_name}}" in macro.body
    assert macro.edit_url == f"{zendesk.url}/admin/workspaces/agent-workspace/macros/360018203411"
    assert macro.helpdesk == "zendesk" and macro.active
    assert not stored["macro/360018203714"].active  # inactive in Zendesk
    english = stored["article/4410203040501/en-us"]
    assert english.language == "en-us" and english.kind == "faq"
    assert english.edit_url == f"{zendesk.url}/knowledge/articles/4410203040501/en-us"
    assert english.url.startswith("https://acme.zendesk.com/hc/en-us/articles/4410203040501")
    assert not stored["article/4410203040804/de"].active  # a draft
    state = HelpdeskSync.objects.get(helpdesk="zendesk")
    assert state.running_since is None and state.last_success_at is not None and state.last_error == ""
    assert state.last_counts["created"] == 9 and state.last_counts["requests"] == 4
    assert state.cursor["articles"] >= int(state.last_started_at.timestamp()) - 1


@pytest.mark.django_db
def test_the_sync_queues_the_flag_scan_of_the_texts_it_wrote(zendesk, fake_broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        helpdesk_sync(helpdesk="zendesk")
    [(queued,)] = fake_broker.args_of("bulletin.tasks.flags_scan_texts_task")
    assert sorted(queued) == sorted(SupportText.objects.values_list("pk", flat=True))


@pytest.mark.django_db
def test_a_429_is_waited_out_for_its_retry_after_then_asked_again(zendesk, fake_broker):
    zendesk.server.fail_next(MACROS, Answer(429, {"error": "TooManyRequests"}, {"Retry-After": "1"}))

    result = helpdesk_sync(helpdesk="zendesk")

    refused, repeated, *_ = zendesk.server.requests_to(MACROS)
    assert refused.status == 429 and repeated.status == 200 and repeated.query == refused.query
    assert repeated.at - refused.at >= 1.0
    assert result.status == SyncStatus.DONE and result.created == 9 and result.requests == 5


@pytest.mark.django_db
def test_a_503_is_retried_and_the_sync_goes_on(zendesk, fake_broker):
    zendesk.server.fail_next(ARTICLES, Answer(503, {"error": "Service Unavailable"}))

    result = helpdesk_sync(helpdesk="zendesk")

    assert [r.status for r in zendesk.server.requests_to(ARTICLES)] == [503, 200, 200]
    assert result.status == SyncStatus.DONE and result.created == 9


@pytest.mark.django_db
def test_a_help_desk_that_keeps_failing_ends_the_sync_with_the_url_and_status_and_deactivates_nothing(
    zendesk, fake_broker
):
    helpdesk_sync(helpdesk="zendesk")
    before = HelpdeskSync.objects.get(helpdesk="zendesk")
    zendesk.macros.pop(0)  # deleted, but this sync will not get to know it
    zendesk.server.fail_next(MACROS, *[Answer(503)] * 3)

    result = helpdesk_sync(helpdesk="zendesk")

    assert result.status == SyncStatus.FAILED
    assert f"{zendesk.url}{MACROS}" in result.error and "503" in result.error and "3 attempts" in result.error
    state = HelpdeskSync.objects.get(helpdesk="zendesk")
    assert state.last_error == result.error and state.running_since is None
    assert state.cursor == before.cursor and state.last_success_at == before.last_success_at
    assert state.last_finished_at > before.last_finished_at
    assert texts()[DELIVERY_MACRO].active
    assert zendesk.server.requests_to(INCREMENTAL) == []  # nothing asked after the failure


@pytest.mark.django_db
def test_a_second_sync_with_nothing_changed_writes_nothing_and_asks_only_for_changed_articles(zendesk, fake_broker):
    helpdesk_sync(helpdesk="zendesk")
    cursor = HelpdeskSync.objects.get(helpdesk="zendesk").cursor["articles"]
    stamps = {pk: updated for pk, updated in SupportText.objects.values_list("pk", "updated_at")}

    result = helpdesk_sync(helpdesk="zendesk")

    assert (result.created, result.updated, result.unchanged, result.deactivated) == (0, 0, 4, 0)
    assert result.listed_in_full == ["macros"]
    assert dict(SupportText.objects.values_list("pk", "updated_at")) == stamps
    [incremental] = zendesk.server.requests_to(INCREMENTAL)
    assert incremental.query["start_time"] == str(cursor)
    assert len(zendesk.server.requests_to(ARTICLES)) == 2  # the first sync's full listing only


@pytest.mark.django_db
def test_an_article_changed_in_zendesk_comes_with_the_incremental_listing(zendesk, fake_broker):
    helpdesk_sync(helpdesk="zendesk")
    article = zendesk.articles[1]
    article["body"] = article["translations"][0]["body"] = "<p>Neu: Rücksendung binnen 30 Tagen.</p>"
    article["updated_at"] = (timezone.now() + datetime.timedelta(seconds=5)).strftime("%Y-%m-%dT%H:%M:%SZ")

    result = helpdesk_sync(helpdesk="zendesk")

    assert result.updated == 1 and texts()["article/4410203040602/de"].body == article["body"]
    assert HelpdeskSync.objects.get(helpdesk="zendesk").cursor["articles"] == int(
        datetime.datetime.fromisoformat(article["updated_at"]).timestamp()
    )


@pytest.mark.django_db
def test_a_macro_deleted_in_zendesk_becomes_inactive_and_its_open_flag_is_dismissed(
    zendesk, fake_broker, delivery_change
):
    helpdesk_sync(helpdesk="zendesk")
    flags_scan_texts(text_ids=SupportText.objects.values_list("pk", flat=True))
    flag = Flag.objects.get(support_text__external_id=DELIVERY_MACRO)
    assert flag.status == "open" and flag.old_text == "5–7 Werktage"
    zendesk.macros[:] = [m for m in zendesk.macros if m["id"] != 360018203411]

    result = helpdesk_sync(helpdesk="zendesk")

    assert result.deactivated == 1 and result.flags_dismissed == 1
    assert not texts()[DELIVERY_MACRO].active
    flag.refresh_from_db()
    assert flag.status == "dismissed" and flag.dismiss_reason == "Deleted or deactivated in Zendesk."
    assert flag.dismissed_by is None and flag.dismissed_by_bulletin and flag.dismissed_at is not None
    assert sum(text.active for text in texts().values()) == 6  # the other active texts stay


@pytest.mark.django_db
def test_an_empty_macro_listing_deactivates_nothing(zendesk, fake_broker):
    helpdesk_sync(helpdesk="zendesk")
    zendesk.macros.clear()  # more likely an API user that lost its rights than every macro deleted
    result = helpdesk_sync(helpdesk="zendesk")
    assert result.deactivated == 0
    assert texts()[DELIVERY_MACRO].active


@pytest.mark.django_db
def test_a_macro_deactivated_in_zendesk_comes_in_inactive_with_its_flag_dismissed(
    zendesk, fake_broker, delivery_change
):
    helpdesk_sync(helpdesk="zendesk")
    flags_scan_texts(text_ids=SupportText.objects.values_list("pk", flat=True))
    zendesk.macros[0]["active"] = False

    result = helpdesk_sync(helpdesk="zendesk")

    assert result.updated == 1 and result.deactivated == 0 and result.flags_dismissed == 1
    flag = Flag.objects.get(support_text__external_id=DELIVERY_MACRO)
    assert flag.status == "dismissed" and flag.dismiss_reason == "Deleted or deactivated in Zendesk."


@pytest.mark.django_db
def test_a_deleted_article_is_found_by_the_full_listing_not_by_the_incremental_one(zendesk, fake_broker, settings):
    helpdesk_sync(helpdesk="zendesk")
    zendesk.articles.pop(2)  # 4410203040703, gone without a trace from the incremental listing

    assert helpdesk_sync(helpdesk="zendesk").deactivated == 0
    assert texts()["article/4410203040703/de"].active

    with time_machine.travel(timezone.now() + datetime.timedelta(hours=settings.HELPDESK_FULL_LISTING_HOURS)):
        result = helpdesk_sync(helpdesk="zendesk")
    assert result.listed_in_full == ["macros", "articles"] and result.deactivated == 1
    assert not texts()["article/4410203040703/de"].active


@pytest.mark.django_db
def test_full_lists_the_articles_in_full_at_once(zendesk, fake_broker):
    helpdesk_sync(helpdesk="zendesk")
    zendesk.articles.pop(2)
    result = helpdesk_sync(helpdesk="zendesk", full=True)
    assert result.listed_in_full == ["macros", "articles"] and result.deactivated == 1


@pytest.mark.django_db
def test_items_that_cannot_be_imported_are_reported_and_the_rest_goes_in(zendesk, fake_broker):
    zendesk.macros.append({"id": 360018209999, "title": "Leer", "active": True, "actions": []})
    zendesk.macros.append("not a macro")

    result = helpdesk_sync(helpdesk="zendesk")

    assert result.status == SyncStatus.DONE and result.created == 9
    reasons = dict(result.rejected)
    assert reasons["macro/360018209999"] == {"body": "This field is required."}
    assert reasons["macros page 3, item 2"] == {"row": "Not an object."}
    assert HelpdeskSync.objects.get(helpdesk="zendesk").last_counts["rejected"] == 2


@pytest.mark.django_db
def test_wrong_credentials_fail_at_once_with_a_clear_error(zendesk, fake_broker, settings):
    settings.ZENDESK_API_TOKEN = "wrong"

    result = helpdesk_sync(helpdesk="zendesk")

    assert result.status == SyncStatus.FAILED and len(zendesk.server.seen) == 1
    assert "refused the credentials (401)" in result.error and zendesk.url in result.error
    assert HelpdeskSync.objects.get(helpdesk="zendesk").last_error == result.error
    assert SupportText.objects.count() == 0


@pytest.mark.django_db
def test_a_pagination_link_to_another_address_is_not_followed(zendesk, fake_broker):
    original = zendesk.macros_answer
    zendesk.server.routes[MACROS] = lambda request: Answer(
        body={**original(request).body, "links": {"next": "https://evil.example/api/v2/macros.json?page[after]=2"}}
    )
    result = helpdesk_sync(helpdesk="zendesk")
    assert result.status == SyncStatus.FAILED and "evil.example" in result.error


@pytest.mark.django_db
def test_a_sync_of_a_help_desk_that_is_not_configured_says_what_to_set(settings):
    settings.ZENDESK_API_TOKEN = ""
    with pytest.raises(HelpdeskNotConfigured, match="ZENDESK_BASE_URL, ZENDESK_EMAIL, ZENDESK_API_TOKEN"):
        helpdesk_sync(helpdesk="zendesk")


@pytest.mark.django_db(transaction=True)
def test_two_syncs_at_once_the_second_says_already_running_and_touches_nothing(zendesk, fake_broker):
    zendesk.server.hold_path = MACROS
    first: list = []

    def sync():
        try:
            first.append(helpdesk_sync(helpdesk="zendesk"))
        finally:
            connections.close_all()

    thread = threading.Thread(target=sync)
    thread.start()
    assert zendesk.server.arrived.wait(10)
    running = HelpdeskSync.objects.get(helpdesk="zendesk")

    second = helpdesk_sync(helpdesk="zendesk")

    assert second.status == SyncStatus.ALREADY_RUNNING
    assert len(zendesk.server.seen) == 1
    after = HelpdeskSync.objects.get(helpdesk="zendesk")
    assert (after.running_since, after.last_started_at) == (running.running_since, running.last_started_at)
    zendesk.server.release.set()
    thread.join(30)
    assert first[0].status == SyncStatus.DONE and first[0].created == 9
    assert HelpdeskSync.objects.get(helpdesk="zendesk").running_since is None


@pytest.mark.django_db
def test_a_lock_left_by_a_killed_worker_is_taken_over_once_stale(zendesk, fake_broker, settings):
    killed_at = timezone.now() - datetime.timedelta(minutes=settings.HELPDESK_SYNC_LOCK_MINUTES - 1)
    HelpdeskSync.objects.create(helpdesk="zendesk", running_since=killed_at)
    assert helpdesk_sync(helpdesk="zendesk").status == SyncStatus.ALREADY_RUNNING

    HelpdeskSync.objects.update(running_since=killed_at - datetime.timedelta(minutes=2))
    assert helpdesk_sync(helpdesk="zendesk").status == SyncStatus.DONE
    assert HelpdeskSync.objects.get().running_since is None


@pytest.mark.django_db
def test_freshdesk_sync_follows_the_link_header_and_deactivates_what_is_gone(freshdesk, fake_broker):
    result = helpdesk_sync(helpdesk="freshdesk")

    assert result.status == SyncStatus.DONE and (result.created, result.rejected) == (6, [])
    responses = freshdesk.server.requests_to("/api/v2/canned_response_folders/82000010465/responses")
    assert [r.query.get("page") for r in responses] == [None, "2"]
    articles = freshdesk.server.requests_to("/api/v2/solutions/folders/82000006622/articles")
    assert [r.query["page"] for r in articles] == ["1", "2"]
    stored = texts("freshdesk")
    canned = stored["canned_response/82000005490"]
    assert "5–7 Werktage" in canned.body and canned.helpdesk == "freshdesk"
    assert canned.edit_url == f"{freshdesk.url}/a/admin/canned_responses/folders/82000010465/responses/82000005490/edit"
    assert stored["article/82000098701"].edit_url == f"{freshdesk.url}/a/solutions/articles/82000098701"
    assert not stored["article/82000098703"].active  # a draft

    freshdesk.canned.pop(1)
    again = helpdesk_sync(helpdesk="freshdesk")
    assert (again.created, again.updated, again.unchanged, again.deactivated) == (0, 0, 5, 1)
    assert not texts("freshdesk")["canned_response/82000005491"].active


# --- The command ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_prints_the_counts_and_exits_0(zendesk, fake_broker, capsys):
    call_command("sync_support_texts", "--source", "zendesk")
    out = capsys.readouterr().out
    assert "9 created, 0 updated, 0 unchanged, 0 deactivated, 0 rejected" in out
    assert "Listed in full: macros, articles." in out


def _command_status(*args) -> tuple[int, str]:
    try:
        call_command("sync_support_texts", *args)
    except CommandError as error:
        return error.returncode, str(error)
    return 0, ""


@pytest.mark.django_db
def test_the_command_exits_non_zero_with_the_reason(zendesk, fake_broker, settings):
    HelpdeskSync.objects.create(helpdesk="zendesk", running_since=timezone.now())
    assert _command_status("--source", "zendesk") == (3, "A sync of zendesk is already running.")

    HelpdeskSync.objects.update(running_since=None)
    zendesk.server.fail_next(MACROS, Answer(401))
    status, message = _command_status("--source", "zendesk", "--full")
    assert status == 2 and "refused the credentials (401)" in message

    zendesk.macros.append({"id": 1, "title": "Leer", "actions": []})
    assert _command_status("--source", "zendesk")[0] == 1  # one item rejected

    settings.FRESHDESK_API_KEY = ""
    status, message = _command_status("--source", "freshdesk")
    assert status == 2 and message == "Freshdesk is not configured: set FRESHDESK_BASE_URL, FRESHDESK_API_KEY."


# --- On a real worker ----------------------------------------------------------------------------


@pytest.mark.real_clock
@pytest.mark.django_db(transaction=True)
def test_the_sync_task_runs_on_the_worker_and_records_its_success(zendesk, celery_worker):
    enqueue_now("bulletin.tasks.helpdesk_sync_task", "zendesk")

    state = wait_for(lambda: HelpdeskSync.objects.filter(helpdesk="zendesk", last_success_at__isnull=False).first())
    assert state.last_counts["created"] == 9 and state.running_since is None
    assert SupportText.objects.filter(source="zendesk").count() == 9


# --- Settings ------------------------------------------------------------------------------------


def _beat(**env) -> subprocess.CompletedProcess:
    names = {"ZENDESK_BASE_URL", "ZENDESK_EMAIL", "ZENDESK_API_TOKEN", "FRESHDESK_BASE_URL", "FRESHDESK_API_KEY"}
    clean = {k: v for k, v in os.environ.items() if k not in names | {"DATABASE_URL", "REDIS_URL", "DEBUG"}}
    clean.update(env, DJANGO_SETTINGS_MODULE="config.settings")
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(sorted((k, v['task'], v.get('args'), v['schedule']) for k, v in settings.CELERY_BEAT_SCHEDULE.items()"
        " if k.startswith('helpdesk-sync')))"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60, check=False
    )


ZENDESK_ENV = {"ZENDESK_BASE_URL": "https://acme.zendesk.com", "ZENDESK_EMAIL": "a@acme.example",
               "ZENDESK_API_TOKEN": "t"}  # fmt: skip


def test_beat_syncs_no_help_desk_when_none_is_configured():
    result = _beat()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_beat_syncs_each_configured_help_desk_every_helpdesk_sync_minutes():
    result = _beat(**ZENDESK_ENV, FRESHDESK_BASE_URL="https://acme.freshdesk.com", FRESHDESK_API_KEY="k",
                   HELPDESK_SYNC_MINUTES="15")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(
        [
            ("helpdesk-sync-freshdesk", "bulletin.tasks.helpdesk_sync_task", ("freshdesk",), 900.0),
            ("helpdesk-sync-zendesk", "bulletin.tasks.helpdesk_sync_task", ("zendesk",), 900.0),
        ]
    )


def test_helpdesk_sync_minutes_0_turns_the_beat_entry_off():
    result = _beat(**ZENDESK_ENV, HELPDESK_SYNC_MINUTES="0")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({**ZENDESK_ENV, "ZENDESK_BASE_URL": "acme.zendesk.com"}, "ZENDESK_BASE_URL"),
        ({"FRESHDESK_BASE_URL": "ftp://acme.freshdesk.com", "FRESHDESK_API_KEY": "k"}, "FRESHDESK_BASE_URL"),
        ({**ZENDESK_ENV, "HELPDESK_SYNC_MINUTES": "hourly"}, "HELPDESK_SYNC_MINUTES"),
        ({"ZENDESK_EMAIL": "a@acme.example"}, "ZENDESK_API_TOKEN"),
    ],
)
def test_a_bad_help_desk_setting_fails_at_start_up_naming_the_variable(env, named):
    result = _beat(**env)
    assert result.returncode != 0
    assert named in result.stderr.splitlines()[-1]
