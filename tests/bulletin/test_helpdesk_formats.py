"""Help-desk exports imported as they come: one fixture per format, written from the vendor's API docs
(fixtures/helpdesk/SOURCES.md), through the command a team runs."""

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from bulletin.texts.flags import flags_rescan_all
from bulletin.texts.models import Flag, SupportText

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures" / "helpdesk"
OLD_FACT = "5–7 Werktage"


def import_texts(*args) -> int:
    try:
        call_command("import_support_texts", *map(str, args), "--no-progress")
    except CommandError as error:
        return error.returncode
    return 0


# fixture, --base-url, the label the summary names, texts, inactive, languages, a placeholder kept, an edit link
FORMATS = [
    ("zendesk-macros", "", "Zendesk macros", 4, 1, {""}, "{{ticket.requester.first_name}}",
     "https://acme.zendesk.com/admin/workspaces/agent-workspace/macros/"),
    ("zendesk-articles", "", "Zendesk Help Center articles", 5, 1, {"de", "en-us"}, None,
     "https://acme.zendesk.com/knowledge/articles/"),
    ("freshdesk-canned-responses", "https://acme.freshdesk.com", "Freshdesk canned responses", 3, 0, {""},
     "{{ticket.requester.name}}", "https://acme.freshdesk.com/a/admin/canned_responses/folders/"),
    ("freshdesk-articles", "https://acme.freshdesk.com", "Freshdesk solution articles", 3, 1, {""}, None,
     "https://acme.freshdesk.com/a/solutions/articles/"),
    ("zammad-text-modules", "https://support.acme.example", "Zammad text modules", 3, 1, {""},
     "#{ticket.customer.firstname}", "https://support.acme.example/#manage/text_modules"),
    ("zammad-kb-answers", "https://support.acme.example", "Zammad knowledge-base answers", 5, 1, {""}, None, None),
    ("gorgias-macros", "https://acme.gorgias.com", "Gorgias macros", 4, 1, {"de"}, "{{ticket.customer.firstname}}",
     "https://acme.gorgias.com/app/settings/macros/"),
    ("intercom-articles", "", "Intercom Help Center articles", 4, 1, {"de", "en"}, None,
     "https://app.intercom.com/a/apps/"),
]


@pytest.mark.parametrize(
    ("name", "base_url", "label", "count", "inactive", "languages", "placeholder", "edit_link"),
    FORMATS,
    ids=[row[0] for row in FORMATS],
)
def test_a_native_export_imports_with_languages_links_and_placeholders_and_its_old_fact_is_flagged(
    name, base_url, label, count, inactive, languages, placeholder, edit_link, delivery_change, capsys
):
    args = [FIXTURES / f"{name}.json", "--source", name] + (["--base-url", base_url] if base_url else [])
    assert import_texts(*args) == 0
    out = capsys.readouterr().out
    assert f"as {label} (detected)" in out and f"{count} created, 0 updated, 0 unchanged, 0 rejected." in out

    texts = SupportText.objects.filter(source=name)
    assert texts.count() == count
    assert texts.filter(active=False).count() == inactive
    assert set(texts.values_list("language", flat=True)) == languages
    assert set(texts.values_list("helpdesk", flat=True)) == {name.split("-")[0]}
    if placeholder:  # macros keep the help desk's placeholders untouched
        assert texts.filter(body__contains=placeholder).exists()
    if edit_link:
        assert all(url.startswith(edit_link) for url in texts.values_list("edit_url", flat=True))
    stating = [t for t in texts if OLD_FACT in t.body]
    assert any("<p" in t.body or "<div" in t.body for t in stating)  # HTML stored as it came

    flags_rescan_all()
    flagged = Flag.objects.filter(support_text__source=name, status=Flag.Status.OPEN)
    assert [flag.support_text.title for flag in flagged] == [t.title for t in stating if t.active]
    assert len(flagged) == 1


def test_reimporting_an_export_changes_nothing(capsys):
    path = FIXTURES / "zendesk-macros.json"
    assert import_texts(path, "--source", "zendesk") == 0
    assert import_texts(path, "--source", "zendesk") == 0
    assert "0 created, 0 updated, 4 unchanged, 0 rejected." in capsys.readouterr().out


def test_the_pages_of_a_paginated_export_import_in_one_run_and_so_does_a_zip_of_them(tmp_path, capsys):
    export = json.loads((FIXTURES / "zendesk-macros.json").read_text())
    first, second = tmp_path / "macros-1.json", tmp_path / "macros-2.json"
    first.write_text(json.dumps({**export, "macros": export["macros"][:2], "next_page": "https://x/?page=2"}))
    second.write_text(json.dumps({**export, "macros": export["macros"][2:]}))
    assert import_texts(first, second, "--source", "pages") == 0
    out = capsys.readouterr().out
    assert "Read macros-1.json as Zendesk macros" in out and "Read macros-2.json as Zendesk macros" in out
    assert "4 created" in out and "4 records read from 2 files." in out

    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(first, "macros-1.json")
        zipped.write(second, "macros-2.json")
        zipped.write(FIXTURES / "zendesk-articles.json", "articles.json")
    assert import_texts(archive, "--source", "zipped") == 0
    out = capsys.readouterr().out
    assert "Read export.zip/articles.json as Zendesk Help Center articles (detected)." in out
    assert SupportText.objects.filter(source="zipped").count() == 9


def test_several_languages_of_one_article_become_one_text_each():
    assert import_texts(FIXTURES / "intercom-articles.json", "--source", "intercom") == 0
    versions = SupportText.objects.filter(external_id__startswith="article/9012345/")
    assert sorted(versions.values_list("language", "external_id")) == [
        ("de", "article/9012345/de"),
        ("en", "article/9012345/en"),
    ]
    assert all(v.url.startswith("https://help.acme.example/") for v in versions)


def test_items_without_id_or_text_or_over_the_size_limit_are_rejected_one_by_one(tmp_path, capsys):
    export = json.loads((FIXTURES / "zendesk-macros.json").read_text())
    good = export["macros"][0]
    no_id = {**good, "id": None}
    no_text = {**good, "id": 1, "actions": [{"field": "status", "value": "solved"}]}
    huge = {**good, "id": 2, "actions": [{"field": "comment_value", "value": "x" * 200_001}]}
    path = tmp_path / "macros.json"
    path.write_text(json.dumps({"macros": [good, no_id, no_text, huge], "next_page": None}))
    assert import_texts(path, "--source", "zendesk") == 1  # some rejected
    out = capsys.readouterr().out
    assert "1 created, 0 updated, 0 unchanged, 3 rejected." in out
    assert "item 2: external_id: This field is required." in out
    assert "item 3: body: This field is required." in out
    assert "item 4: body: At most 200000 characters." in out
    assert not SupportText.objects.filter(external_id="macro/2").exists()  # rejected, not cut


def test_an_export_whose_every_item_is_rejected_exits_2(tmp_path, capsys):
    path = tmp_path / "macros.json"
    path.write_text(json.dumps({"macros": [{"title": "Ohne Id", "actions": []}]}))
    assert import_texts(path, "--source", "zendesk") == 2
    assert "0 created, 0 updated, 0 unchanged, 1 rejected." in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "args", "reason"),
    [
        ("external_id,kind,title,body\nm1,macro,T,B\n", ["--format", "zendesk-macros"],
         "Not a Zendesk macros export: not JSON"),
        ('{"articles": [{"id": 1, "body": "x", "locale": "de"}]}', ["--format", "zendesk-macros"],
         'Not a Zendesk macros export: it has no "macros" list.'),
        ('{"macros": [{"id": 1, "title": "T", "actions": [{"field": "comment_value", "value": "5–7 Werk',
         [], "Is the file cut short? Nothing was imported."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", [], "Not UTF-8 text (line 1)"),
        ("", [], "The file is empty."),
        ("   \n\n", [], "The file is empty."),
        ('{"tickets": [{"id": 1, "subject": "Hilfe"}]}', [],
         "compared with: CSV, JSON Lines, JSON array, Zendesk macros"),
    ],
    ids=["csv-as-zendesk", "articles-as-macros", "truncated", "binary", "empty", "blank", "unknown"],
)
def test_a_file_that_is_not_what_it_claims_is_refused_before_anything_is_written(tmp_path, content, args, reason):
    path = tmp_path / "export.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(CommandError) as refused:
        call_command("import_support_texts", str(path), "--source", "zendesk", "--no-progress", *args)
    assert reason in str(refused.value)
    assert refused.value.returncode == 2
    assert not SupportText.objects.exists()


def test_a_bad_page_among_good_ones_refuses_the_whole_run(tmp_path):
    good = tmp_path / "macros-1.json"
    shutil.copy(FIXTURES / "zendesk-macros.json", good)
    broken = tmp_path / "macros-2.json"
    broken.write_text('{"macros": [')
    with pytest.raises(CommandError, match="macros-2.json: Not valid JSON"):
        call_command("import_support_texts", str(good), str(broken), "--source", "zendesk", "--no-progress")
    assert not SupportText.objects.exists()


def test_texts_without_a_link_back_are_counted_with_a_hint(capsys):
    assert import_texts(FIXTURES / "gorgias-macros.json", "--source", "gorgias") == 0
    assert "4 texts have no link back to the help desk" in capsys.readouterr().out


def test_the_command_refuses_a_file_that_does_not_exist(tmp_path):
    assert import_texts(tmp_path / "missing.json", "--source", "zendesk") == 2


def test_a_base_url_without_its_scheme_is_taken_as_https_and_a_bad_one_is_refused(capsys):
    assert import_texts(FIXTURES / "gorgias-macros.json", "--source", "g", "--base-url", "acme.gorgias.com") == 0
    assert SupportText.objects.filter(edit_url__startswith="https://acme.gorgias.com/app/settings/macros/").count() == 4
    with pytest.raises(CommandError, match="must be a web address") as refused:
        call_command(
            "import_support_texts", str(FIXTURES / "gorgias-macros.json"), "--source", "h", "--base-url", "ftp://x"
        )
    assert refused.value.returncode == 2


def test_zammad_answers_without_their_locales_are_counted_as_without_a_link(capsys):
    assert import_texts(FIXTURES / "zammad-kb-answers.json", "--source", "zammad") == 0
    assert "5 texts have no link back to the help desk" in capsys.readouterr().out
