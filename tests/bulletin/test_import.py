import json

import pytest
from django.core.management import CommandError, call_command

from bulletin.models import SupportText
from bulletin.texts.importing import support_texts_import

pytestmark = pytest.mark.django_db


def import_texts(*args) -> int:
    """Runs the command as a scheduler would; returns its exit status."""
    try:
        call_command("import_support_texts", *map(str, args))
    except CommandError as error:
        return error.returncode
    return 0

CSV = """external_id,kind,title,body,url,language,tags
m1,macro,Lieferzeit,"Die Lieferzeit beträgt
5–7 Werktage.",https://help.example.com/m1,de,"lieferung,möbel"
m2,brochure,Falsche Art,Text,,de,
m3,faq,,Ohne Titel,,en,
m4,faq,Shipping,Free shipping over €50.,not a url,en,
m5,faq,Returns,Returns are free.,,en,returns
m1,macro,Doppelt,Noch einmal,,de,
"""


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "texts.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


def test_import_with_bad_rows_imports_the_good_ones_and_reports_the_bad_by_line(csv_file, capsys):
    assert import_texts(str(csv_file), "--source", "zendesk") == 1  # some rows rejected
    out = capsys.readouterr().out
    assert "2 created, 0 updated, 0 unchanged, 4 rejected." in out
    assert "line 4: kind:" in out  # m1 spans lines 2-3, so m2 starts on line 4
    assert "line 5: title:" in out
    assert "line 6: url:" in out
    assert "line 8: external_id: Duplicate of line 2." in out
    text = SupportText.objects.get(source="zendesk", external_id="m1")
    assert text.tags == ["lieferung", "möbel"] and text.body_normalised == "die lieferzeit beträgt 5-7 werktage."
    assert SupportText.objects.filter(external_id="m5").exists()


def test_reimporting_the_same_file_changes_nothing(csv_file, capsys):
    import_texts(str(csv_file), "--source", "zendesk")
    before = list(SupportText.objects.values_list("pk", "updated_at").order_by("pk"))
    capsys.readouterr()
    import_texts(str(csv_file), "--source", "zendesk")
    assert "0 created, 0 updated, 2 unchanged, 4 rejected." in capsys.readouterr().out
    assert list(SupportText.objects.values_list("pk", "updated_at").order_by("pk")) == before


def test_json_lines_import_reports_broken_lines(tmp_path, capsys):
    path = tmp_path / "texts.jsonl"
    rows = [
        {
            "external_id": "f1",
            "kind": "faq",
            "title": "Zahlung",
            "body": "<p>Ratenzahlung über PayPal</p>",
            "tags": ["zahlung"],
        },
        "{not json",
        {"external_id": 7, "kind": "macro", "title": "Nummer", "body": "Text", "language": "de"},
    ]
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    import_texts(str(path), "--source", "zendesk")
    out = capsys.readouterr().out
    assert "2 created, 0 updated, 0 unchanged, 1 rejected." in out and "line 2: row: Not valid JSON" in out
    assert SupportText.objects.get(external_id="f1").body_normalised == "ratenzahlung über paypal"


def test_same_external_id_in_another_source_is_another_text():
    row = {"external_id": "1", "kind": "faq", "title": "T", "body": "B"}
    support_texts_import(rows=[(1, row)], source="zendesk")
    support_texts_import(rows=[(1, row)], source="confluence")
    assert SupportText.objects.count() == 2


def test_an_update_counts_once_and_renormalises_the_body():
    row = {"external_id": "1", "kind": "faq", "title": "T", "body": "5 – 7 Werktage"}
    support_texts_import(rows=[(1, row)], source="zendesk")
    result = support_texts_import(rows=[(1, {**row, "body": "10 – 14 Werktage"})], source="zendesk")
    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    assert SupportText.objects.get().body_normalised == "10-14 werktage"


def test_import_queues_a_scan_of_the_changed_texts_only(
    csv_file, capsys, fake_broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        import_texts(str(csv_file), "--source", "zendesk")
    with django_capture_on_commit_callbacks(execute=True):
        import_texts(str(csv_file), "--source", "zendesk")  # unchanged: nothing to scan
    queued = fake_broker.args_of("bulletin.tasks.flags_scan_texts_task")
    assert queued == [(sorted(SupportText.objects.values_list("pk", flat=True)),)]


def test_broker_down_does_not_undo_an_import(csv_file, capsys, fake_broker, django_capture_on_commit_callbacks):
    fake_broker.down = True
    with django_capture_on_commit_callbacks(execute=True):
        import_texts(str(csv_file), "--source", "zendesk")
    assert SupportText.objects.count() == 2


def test_semicolon_csv_from_a_german_excel_imports(tmp_path, capsys):
    path = tmp_path / "excel.csv"
    path.write_text(
        "External_ID;Kind;Title;Body;Tags;Active\r\ns1;faq;Lieferzeit;5–7 Werktage, meistens.;a;ja\r\n"
        's2;macro;Alt;Nicht mehr;["x", "y"];nein\r\n',
        encoding="utf-8-sig",
    )
    import_texts(str(path), "--source", "excel")
    assert "2 created, 0 updated, 0 unchanged, 0 rejected." in capsys.readouterr().out
    texts = {text.external_id: text for text in SupportText.objects.all()}
    assert texts["s1"].body == "5–7 Werktage, meistens." and texts["s1"].active
    assert texts["s2"].tags == ["x", "y"] and not texts["s2"].active


def test_a_header_without_the_required_columns_stops_before_importing(tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("id,kind,title,text\n1,faq,Titel,Text\n", encoding="utf-8")
    with pytest.raises(CommandError, match="external_id, body"):
        call_command("import_support_texts", str(path), "--source", "x")
    assert not SupportText.objects.exists()


def test_a_file_that_is_not_utf8_imports_nothing_unless_its_encoding_is_named(tmp_path, capsys):
    path = tmp_path / "latin.csv"
    rows = "".join(f"t{n},faq,Text {n},Grüße aus der Straße {n},,de,\n" for n in range(1500))
    path.write_bytes(("external_id,kind,title,body,url,language,tags\n" + rows).encode("cp1252"))
    with pytest.raises(CommandError, match="line 2"):
        call_command("import_support_texts", str(path), "--source", "x")
    assert not SupportText.objects.exists()  # not the first batch either
    import_texts(str(path), "--source", "x", "--encoding", "cp1252")
    assert "1500 created" in capsys.readouterr().out
    assert SupportText.objects.get(external_id="t7").body == "Grüße aus der Straße 7"


def test_a_huge_body_or_a_null_character_rejects_that_row_only(tmp_path, capsys):
    path = tmp_path / "big.csv"
    path.write_text(
        "external_id,kind,title,body\n"
        f"big,faq,Groß,{'y' * 200_000}\n"
        "nul,faq,Null,Lieferung\x00 in 5–7 Werktagen\n"
        "ok,faq,Gut,Lieferung in 5–7 Werktagen\n",
        encoding="utf-8",
    )
    import_texts(str(path), "--source", "x")
    out = capsys.readouterr().out
    assert "2 created, 0 updated, 0 unchanged, 1 rejected." in out and "line 3: body:" in out
    assert len(SupportText.objects.get(external_id="big").body) == 200_000


def test_a_json_array_file_imports_every_item(tmp_path, capsys):
    path = tmp_path / "texts.json"
    items = [{"external_id": f"a{n}", "kind": "faq", "title": "T", "body": "B"} for n in range(3)]
    path.write_text(json.dumps(items, indent=2), encoding="utf-8")
    import_texts(str(path), "--source", "x")
    assert "3 created, 0 updated, 0 unchanged, 0 rejected." in capsys.readouterr().out


def test_a_reimport_without_the_optional_columns_keeps_what_the_text_had(tmp_path, capsys):
    full = tmp_path / "full.csv"
    full.write_text(
        "external_id,kind,title,body,url,language,tags,active\n"
        "m1,macro,Lieferzeit,5–7 Werktage,https://help.example.com/m1,de,lieferung,false\n",
        encoding="utf-8",
    )
    import_texts(str(full), "--source", "zendesk")
    short = tmp_path / "short.csv"
    short.write_text("external_id,kind,title,body\nm1,macro,Lieferzeit,10–14 Werktage\n", encoding="utf-8")
    import_texts(str(short), "--source", "zendesk")
    assert "0 created, 1 updated" in capsys.readouterr().out
    text = SupportText.objects.get()
    assert (text.body, text.url, text.language, text.tags, text.active) == (
        "10–14 Werktage", "https://help.example.com/m1", "de", ["lieferung"], False
    )


def _csv_lines(count: int) -> list[str]:
    return [f"m{n},macro,Titel {n},Text {n}: Lieferung in 5–7 Werktagen." for n in range(1, count + 1)]


def test_an_unclosed_quote_stops_the_import_naming_its_line_before_anything_is_written(tmp_path):
    rows = _csv_lines(2000)
    rows[8] = 'm9,macro,Titel 9,"Text 9 with a quote that never closes'  # line 10 of the file
    path = tmp_path / "broken.csv"
    path.write_text("external_id,kind,title,body\n" + "\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(CommandError, match="record starting on line 10 runs on to line 2001"):
        call_command("import_support_texts", str(path), "--source", "zendesk")
    assert SupportText.objects.count() == 0


def test_the_summary_counts_records_against_the_lines_of_the_file(tmp_path, capsys):
    path = tmp_path / "texts.csv"
    path.write_text(
        'external_id,kind,title,body\nm1,macro,Zwei Zeilen,"Erste Zeile\nzweite Zeile"\nm2,faq,Eine,Text\n',
        encoding="utf-8",
    )
    import_texts(str(path), "--source", "zendesk")
    assert "2 records read from 4 lines." in capsys.readouterr().out


def test_a_json_line_nested_too_deeply_is_a_rejected_row_not_a_crash(tmp_path, capsys):
    good = {"external_id": "a", "kind": "faq", "title": "A", "body": "Text"}
    path = tmp_path / "texts.jsonl"
    path.write_text(json.dumps(good) + "\n" + "[" * 100_000 + "\n", encoding="utf-8")
    import_texts(str(path), "--source", "zendesk")
    out = capsys.readouterr().out
    assert "1 created, 0 updated, 0 unchanged, 1 rejected." in out and "line 2: row: Not valid JSON" in out


def test_a_wrong_encoding_named_for_the_file_refuses_it_before_writing(tmp_path):
    rows = [line.replace("–", "-") for line in _csv_lines(14_000)] + ["m14001,faq,Umlaut,Rücksendung in 14 Tagen"]
    path = tmp_path / "texts.csv"
    path.write_text("external_id,kind,title,body\n" + "\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Not ascii text \\(line 14002\\)"):
        call_command("import_support_texts", str(path), "--source", "zendesk", "--encoding", "ascii")
    assert SupportText.objects.count() == 0


def test_a_json_array_cut_short_is_refused_before_anything_is_written(
    tmp_path, fake_broker, django_capture_on_commit_callbacks
):
    items = [{"external_id": str(n), "kind": "faq", "title": f"T{n}", "body": "5–7 Werktage"} for n in range(1500)]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(items)[:-1] + ', {"external_id": "broken', encoding="utf-8")  # cut off mid-item
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(CommandError) as stopped:
        call_command("import_support_texts", str(path), "--source", "zendesk")
    assert "Not valid JSON" in str(stopped.value) and "cut short" in str(stopped.value)
    assert stopped.value.returncode == 2
    assert SupportText.objects.count() == 0
    assert fake_broker.args_of("bulletin.tasks.flags_scan_texts_task") == []
