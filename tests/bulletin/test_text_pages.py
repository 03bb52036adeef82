"""The support-text pages: the import page and its runs, the texts list and a text's own page."""

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation as django_translation

from bulletin.models import Flag, HelpdeskSync, ImportRun, SupportText
from bulletin.texts import import_runs, text_views
from bulletin.texts.flags import flags_scan_change
from bulletin.texts.import_runs import import_run_execute, import_run_start
from bulletin.texts.tasks import support_texts_import_task
from changes.models import Membership
from tests.conftest import wait_for

FIXTURES = Path(__file__).parent / "fixtures" / "helpdesk"
ZENDESK_MACROS = FIXTURES / "zendesk-macros.json"
# One item without a reply text, one without an id, one good: two rejected, each by its position.
ZENDESK_MACROS_WITH_REJECTS = json.dumps(
    {
        "macros": [
            {"id": 91, "title": "Ohne Antwort", "active": True, "actions": [{"field": "status", "value": "solved"}]},
            {"title": "Ohne ID", "active": True, "actions": [{"field": "comment_value", "value": "Hallo"}]},
            {"id": 93, "title": "Gut", "active": True, "actions": [{"field": "comment_value", "value": "Alles gut."}]},
        ],
        "next_page": None,
        "previous_page": None,
        "count": 3,
    }
).encode()


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path):
    settings.IMPORT_UPLOAD_DIR = tmp_path / "imports"
    return settings.IMPORT_UPLOAD_DIR


@pytest.fixture
def support_team(make_team):
    team = make_team("support", "Support")
    team.handles_support = True
    team.save(update_fields=["handles_support"])
    return team


@pytest.fixture
def sven(make_user, support_team):
    return make_user("sven", team=support_team, role=Membership.Role.LEAD)


@pytest.fixture
def mia(make_user, support_team):
    return make_user("mia", team=support_team, role=Membership.Role.AGENT)


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/json")


def macros_upload() -> SimpleUploadedFile:
    return upload("zendesk-macros.json", ZENDESK_MACROS.read_bytes())


def start(client, *files, source="zendesk", format="", base_url="https://acme.zendesk.com"):
    # In the order the form has them, as a browser sends them: the files last.
    return client.post(
        reverse("texts:import"), {"source": source, "format": format, "base_url": base_url, "file": list(files)}
    )


# --- Who may import ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["staff", "sven"])
def test_staff_and_the_support_lead_open_the_import_page_and_find_it_in_the_navigation(client, request, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("texts:import"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'type="file"' in html and "multiple" in html and 'enctype="multipart/form-data"' in html
    assert f'href="{reverse("texts:import")}"' in client.get(reverse("changes:list")).content.decode()


@pytest.mark.parametrize("who", ["mia", "other_lead"])
def test_agents_and_leads_of_other_teams_get_403_on_every_import_page(client, request, who, sven, fake_broker):
    run = import_run_start(user=sven, uploaded_files=[macros_upload()], source="zendesk")
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("texts:import")).status_code == 403
    assert start(client, macros_upload()).status_code == 403
    assert client.get(reverse("texts:import_detail", args=[run.pk])).status_code == 403
    assert client.get(reverse("texts:import_status", args=[run.pk])).status_code == 403
    assert ImportRun.objects.count() == 1  # theirs was not started
    assert f'href="{reverse("texts:import")}"' not in client.get(reverse("changes:list")).content.decode()


def test_the_403_page_is_in_german_for_a_german_browser(client, mia):
    client.force_login(mia)
    response = client.get(reverse("texts:import"), HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 403
    html = response.content.decode()
    assert '<html lang="de">' in html and "Nicht erlaubt" in html


def test_the_import_page_is_in_german_for_a_german_browser(client, sven):
    client.force_login(sven)
    html = client.get(reverse("texts:import"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert '<html lang="de">' in html and "Quelle" in html  # "Source", translated


def test_anonymous_visitors_are_sent_to_the_login(client):
    assert client.get(reverse("texts:import")).status_code == 302
    assert client.get(reverse("texts:list")).status_code == 302


# --- The form --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"source": "zendesk"}, "file"),
        ({"source": "   "}, "source"),
        ({"source": "x" * 51}, "source"),
        ({"source": "zendesk", "format": "wordperfect"}, "format"),
        ({"source": "zendesk", "base_url": "not an address"}, "base_url"),
    ],
)
def test_form_errors_are_shown_beside_their_field_with_400(client, sven, data, field, fake_broker):
    client.force_login(sven)
    if field != "file":
        data = {**data, "file": macros_upload()}
    response = client.post(reverse("texts:import"), data)
    assert response.status_code == 400
    assert f'id="id_{field}_errors"' in response.content.decode()
    assert not ImportRun.objects.exists() and not fake_broker.sent


def test_files_over_the_limit_are_refused_beside_the_field_and_not_stored(client, sven, settings, upload_dir):
    settings.IMPORT_MAX_UPLOAD_MB = 1
    client.force_login(sven)
    big = upload("big.json", b'{"macros": [' + b" " * (1024 * 1024 + 10) + b"]}")
    response = start(client, big)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_file_errors"' in html and "larger than 1 MB" in html
    assert 'value="zendesk"' in html  # what came before the files is kept
    assert not ImportRun.objects.exists() and not upload_dir.exists()


def test_starting_an_import_stores_the_files_and_queues_the_task_after_commit(
    client, sven, fake_broker, upload_dir, django_capture_on_commit_callbacks
):
    client.force_login(sven)
    with django_capture_on_commit_callbacks(execute=True):
        response = start(client, macros_upload(), upload("more.json", ZENDESK_MACROS_WITH_REJECTS))
    run = ImportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == run.get_absolute_url()
    assert (run.status, run.source, run.started_by, run.base_url) == ("queued", "zendesk", sven, "https://acme.zendesk.com")
    assert [entry["name"] for entry in run.files] == ["zendesk-macros.json", "more.json"]
    assert all(Path(entry["path"]).parent == upload_dir / str(run.pk) for entry in run.files)
    assert Path(run.files[0]["path"]).read_bytes() == ZENDESK_MACROS.read_bytes()
    assert run.bytes_total == sum(entry["size"] for entry in run.files)
    assert fake_broker.args_of("bulletin.tasks.support_texts_import_task") == [(run.pk, "en")]


# --- The run ------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_import_through_a_real_worker_shows_the_counts_and_every_rejected_row(
    client, sven, celery_worker, upload_dir
):
    client.force_login(sven)
    response = start(client, macros_upload(), upload("more.json", ZENDESK_MACROS_WITH_REJECTS))
    run = ImportRun.objects.get()
    assert response["Location"] == run.get_absolute_url()

    status_url = reverse("texts:import_status", args=[run.pk])
    status = wait_for(lambda: (s := client.get(status_url).json())["finished"] and s)
    assert status == {
        "status": "done", "finished": True, "percent": 100, "bytes_read": run.bytes_total,
        "bytes_total": run.bytes_total, "created": 5, "updated": 0, "unchanged": 0, "rejected": 2,
    }  # fmt: skip
    assert SupportText.objects.filter(source="zendesk").count() == 5
    text = SupportText.objects.get(source="zendesk", external_id="macro/360018203411")
    assert "{{ticket.requester.first_name}}" in text.body and text.fix_url.startswith("https://acme.zendesk.com/")

    html = client.get(run.get_absolute_url()).content.decode()
    assert "Read zendesk-macros.json as Zendesk macros (detected)." in html
    assert "Read more.json as Zendesk macros (detected)." in html
    assert "5 created, 0 updated, 0 unchanged, 2 rejected." in html
    assert "7 records read from 2 files." in html
    assert "more.json, item 1" in html and "more.json, item 2" in html  # every rejected row, by position
    assert "<code>body</code>" in html and "<code>external_id</code>" in html
    assert "data-import-status" not in html  # no progress bar once done
    assert not (upload_dir / str(run.pk)).exists()  # the uploads are gone


def test_the_task_run_twice_imports_once(sven, fake_broker, upload_dir):
    run = import_run_start(user=sven, uploaded_files=[macros_upload()], source="zendesk")
    support_texts_import_task(run.pk)
    run.refresh_from_db()
    first = (run.status, run.created, run.finished_at)
    updated_at = list(SupportText.objects.values_list("updated_at", flat=True))

    support_texts_import_task(run.pk)  # a second delivery of the same message

    run.refresh_from_db()
    assert (run.status, run.created, run.finished_at) == first == ("done", 4, first[2])
    assert list(SupportText.objects.values_list("updated_at", flat=True)) == updated_at
    assert not (upload_dir / str(run.pk)).exists()


def test_the_same_file_imported_again_counts_as_unchanged(sven, fake_broker):
    for _ in range(2):
        run = import_run_start(user=sven, uploaded_files=[macros_upload()], source="zendesk")
        import_run_execute(run.pk)
    run.refresh_from_db()
    assert (run.created, run.updated, run.unchanged) == (0, 0, 4)


def test_a_truncated_file_fails_with_the_reason_and_imports_nothing(client, sven, fake_broker, upload_dir):
    cut = ZENDESK_MACROS.read_bytes()[:700]
    run = import_run_start(user=sven, uploaded_files=[upload("macros.json", cut)], source="zendesk")
    import_run_execute(run.pk)
    run.refresh_from_db()
    assert run.status == "failed" and run.error and run.finished_at
    assert not SupportText.objects.exists()
    assert not (upload_dir / str(run.pk)).exists()
    client.force_login(sven)
    html = client.get(run.get_absolute_url()).content.decode()
    assert "The import failed" in html and run.error.split(":")[0] in html and "Nothing was imported." in html


def test_a_file_given_the_wrong_format_fails_naming_the_format(sven, fake_broker):
    csv = b"external_id,kind,title,body\nm1,macro,Lieferzeit,5-7 Werktage\n"
    run = import_run_start(user=sven, uploaded_files=[upload("texts.csv", csv)], source="x", format="zendesk-macros")
    import_run_execute(run.pk)
    run.refresh_from_db()
    assert run.status == "failed" and "Zendesk macros" in run.error
    assert not SupportText.objects.exists()


def test_the_worker_writes_progress_while_it_imports(sven, fake_broker, monkeypatch):
    monkeypatch.setattr(import_runs, "PROGRESS_INTERVAL_SECONDS", 0)
    seen = []
    writer = import_runs._progress_writer

    def watching(run_id, reading, result):
        write = writer(run_id, reading, result)

        def progress(rows):
            write(rows)
            seen.append(ImportRun.objects.values_list("status", "bytes_read", "created").get(pk=run_id))

        return progress

    monkeypatch.setattr(import_runs, "_progress_writer", watching)
    macros = [
        {"id": n, "title": f"Makro {n}", "active": True, "actions": [{"field": "comment_value", "value": f"Text {n}"}]}
        for n in range(1, 2501)
    ]
    run = import_run_start(
        user=sven, uploaded_files=[upload("big.json", json.dumps({"macros": macros}).encode())], source="zendesk"
    )
    import_run_execute(run.pk)
    assert [created for _status, _bytes, created in seen] == [1000, 2000, 2500]
    assert all(status == "running" for status, _bytes, _created in seen)
    assert 0 < seen[0][1] < seen[1][1] <= run.bytes_total


def test_a_run_in_progress_shows_a_bar_that_polls_its_status_and_a_reload_link(client, sven, fake_broker):
    run = import_run_start(user=sven, uploaded_files=[macros_upload()], source="zendesk")
    ImportRun.objects.filter(pk=run.pk).update(status="running", bytes_read=run.bytes_total // 2)
    client.force_login(sven)
    html = client.get(run.get_absolute_url()).content.decode()
    assert f'data-import-status="{reverse("texts:import_status", args=[run.pk])}"' in html
    assert '<progress id="import-progress" max="100" value="50">' in html
    assert f'href="{run.get_absolute_url()}"' in html  # works without JavaScript
    assert "<script>" not in html and "bulletin/import.js" in html
    assert client.get(reverse("texts:import_status", args=[run.pk])).json()["percent"] == 50


def test_the_starter_still_sees_their_run_and_others_see_only_theirs(client, sven, make_user, fake_broker):
    run = import_run_start(user=sven, uploaded_files=[macros_upload()], source="zendesk")
    Membership.objects.filter(user=sven).update(role=Membership.Role.AGENT)  # no longer a lead
    client.force_login(sven)
    assert client.get(run.get_absolute_url()).status_code == 200
    assert client.get(reverse("texts:import")).status_code == 403


def test_the_import_page_lists_recent_runs_and_shows_staff_the_live_sync(client, staff, sven, fake_broker):
    run = import_run_start(user=sven, uploaded_files=[macros_upload()], source="zendesk")
    client.force_login(sven)
    html = client.get(reverse("texts:import")).content.decode()
    assert f'href="{run.get_absolute_url()}"' in html
    assert "Live sync" not in html  # staff only

    client.force_login(staff)
    assert "No live sync is configured." in client.get(reverse("texts:import")).content.decode()
    HelpdeskSync.objects.create(helpdesk="zendesk", last_counts={"created": 3}, last_error="503 from the help desk")
    html = client.get(reverse("texts:import")).content.decode()
    assert "Zendesk" in html and "created: 3" in html and "503 from the help desk" in html


# --- The texts list and a text's page ------------------------------------------------------------------


@pytest.fixture
def texts(make_text):
    return {
        "lieferzeit": make_text(
            "Die Lieferzeit beträgt 5–7 Werktage.", title="Lieferzeit", external_id="z-1", language="de",
            helpdesk="zendesk", edit_url="https://acme.zendesk.com/admin/workspaces/agent-workspace/macros/1",
        ),
        "returns": make_text(
            "Returns are free.", title="Returns", kind="faq", external_id="fd-7", source="freshdesk", language="en"
        ),
        "old": make_text("Black Friday 2024", title="Aktion", external_id="z-2", language="de", active=False),
    }  # fmt: skip


def titles(response) -> list[str]:
    return [text.title for text in response.context["page"].object_list]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["Aktion", "Lieferzeit", "Returns"]),
        ({"source": "freshdesk"}, ["Returns"]),
        ({"kind": "faq"}, ["Returns"]),
        ({"language": "de"}, ["Aktion", "Lieferzeit"]),
        ({"active": "false"}, ["Aktion"]),
        ({"flagged": "true"}, ["Lieferzeit"]),
        ({"flagged": "false"}, ["Aktion", "Returns"]),
        ({"q": "lieferZEIT"}, ["Lieferzeit"]),  # title
        ({"q": "5-7 werktage"}, ["Lieferzeit"]),  # body, dashes and case folded
        ({"q": "fd-7"}, ["Returns"]),  # external id
    ],
)
def test_the_texts_list_filters_and_searches(client, mia, texts, delivery_change, query, expected):
    flags_scan_change(change_id=delivery_change.pk)
    client.force_login(mia)
    response = client.get(reverse("texts:list"), query)
    assert response.status_code == 200
    assert titles(response) == expected


def test_the_texts_list_links_each_text_and_its_way_back_to_the_help_desk(client, mia, texts):
    client.force_login(mia)
    html = client.get(reverse("texts:list")).content.decode()
    assert f'href="{texts["lieferzeit"].get_absolute_url()}"' in html
    assert 'href="https://acme.zendesk.com/admin/workspaces/agent-workspace/macros/1"' in html
    assert "Open in Zendesk" in html


def test_the_texts_list_is_paginated_and_refuses_an_unknown_filter_value(client, mia, make_text, monkeypatch):
    monkeypatch.setattr(text_views, "PAGE_SIZE", 2)
    for n in range(5):
        make_text(f"Text {n}", title=f"Text {n}")
    client.force_login(mia)
    assert titles(client.get(reverse("texts:list"), {"page": 3})) == ["Text 4"]
    response = client.get(reverse("texts:list"), {"source": "nowhere"})
    assert response.status_code == 400 and not response.context["page"].object_list


def test_users_without_a_team_do_not_see_the_text_pages(client, make_user, texts):
    client.force_login(make_user("helpdesk-sync"))
    assert client.get(reverse("texts:list")).status_code == 403
    assert client.get(texts["returns"].get_absolute_url()).status_code == 403


def test_a_text_page_shows_the_help_desk_html_sanitised(client, mia, make_text):
    text = make_text(
        '<p>Hallo <b>{{ticket.requester.first_name}}</b>,</p><script>alert("s")</script>'
        '<img src="x" onerror="alert(\'i\')"><p onclick="alert(\'c\')">Lieferung in 5–7 Werktagen.</p>'
        '<a href="javascript:alert(\'j\')">hier</a>',
        title="Lieferzeit HTML",
    )
    client.force_login(mia)
    html = client.get(text.get_absolute_url()).content.decode()
    body = html.split('class="support-body rendered">')[1].split("</div>")[0]
    assert "<b>{{ticket.requester.first_name}}</b>" in body and "<p>Lieferung in 5–7 Werktagen.</p>" in body
    for unsafe in ("<script", "alert(", "onerror", "onclick", "javascript:", "<img"):
        assert unsafe not in body, unsafe


def test_a_plain_text_body_is_escaped_with_its_line_breaks(client, mia, make_text):
    text = make_text("Hallo <Kunde>,\nLieferung in 5–7 Werktagen.", title="Plain")
    client.force_login(mia)
    html = client.get(text.get_absolute_url()).content.decode()
    assert "Hallo &lt;Kunde&gt;,<br>Lieferung in 5–7 Werktagen." in html


def test_a_text_page_shows_its_facts_its_link_back_and_its_flags_open_first(
    client, mia, texts, delivery_change, make_change, team
):
    text = texts["lieferzeit"]
    text.tags = ["versand", "lieferzeit"]
    text.save()
    flags_scan_change(change_id=delivery_change.pk)
    earlier = make_change(team=team, status="published", title="Alte Änderung", facts=[("Lieferzeit", "Dauer")])
    flags_scan_change(change_id=earlier.pk)
    Flag.objects.filter(change=earlier).update(status="dismissed", dismiss_reason="Nicht betroffen")
    client.force_login(mia)
    html = client.get(text.get_absolute_url()).content.decode()
    assert (
        '<a class="button primary" href="https://acme.zendesk.com/admin/workspaces/agent-workspace/macros/1" '
        'target="_blank" rel="noopener noreferrer">Open in Zendesk</a>'
    ) in html
    for fact in ("z-1", "zendesk", "de", "versand", "lieferzeit", "Macro"):
        assert fact in html
    open_flag = Flag.objects.get(change=delivery_change)
    dismissed = Flag.objects.get(change=earlier)
    assert html.index(open_flag.get_absolute_url()) < html.index(dismissed.get_absolute_url())


def test_a_run_started_in_german_reports_its_rejected_rows_in_german(client, sven, fake_broker):
    client.force_login(sven)
    with django_translation.override("de"):
        run = import_run_start(user=sven, uploaded_files=[upload("more.json", ZENDESK_MACROS_WITH_REJECTS)], source="z")
    import_run_execute(run.pk, language="de")  # the language the task was queued with
    html = client.get(run.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert '<html lang="de">' in html
    assert "more.json gelesen als Zendesk-Makros (erkannt)." in html  # the summary in the reader's language
    assert "Eintrag 1" in html and "Dieses Feld ist erforderlich." in html  # the reasons in the starter's


def test_the_import_form_still_needs_its_csrf_token(sven, fake_broker):
    client = Client(enforce_csrf_checks=True)
    client.force_login(sven)
    assert start(client, macros_upload()).status_code == 403  # the upload handlers come first, the check still runs
    assert not ImportRun.objects.exists()
