"""Reading the files of an import: our own columns (CSV, JSON Lines, a JSON array) and the help desks' exports.

Every file is checked whole before a row is written (`ImportReading.check`): one
that does not decode, is not the format it claims, is cut short or empty is
refused with the reason, and nothing is imported. Then `rows()` streams the rows
of all files in order, so a 100 MB export stays small in memory.
"""

import codecs
import csv
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import ijson
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from bulletin.texts.helpdesks import FORMATS as HELPDESK_FORMATS
from bulletin.texts.helpdesks.base import HelpdeskFormat, Links

REQUIRED_COLUMNS = ("external_id", "kind", "title", "body")
# Our own formats, by the name --format takes.
OWN_FORMATS = {"csv": "CSV", "jsonl": "JSON Lines", "json": _lazy("JSON array")}
# A body may be long; the csv module refuses fields over 128 KiB by default.
CSV_FIELD_LIMIT = 2**31 - 1
# No support text runs longer; a CSV record that does stems from an unclosed quote, which would
# swallow the rest of the file into one field.
CSV_RECORD_MAX_LINES = 1000
CSV_RECORD_MAX_CHARS = 1024 * 1024
# A zip that unpacks to more than this is refused: no export is that big, a zip bomb is.
ZIP_MAX_BYTES = 4 * 1024**3
SNIFF_BYTES = 4096


def format_choices() -> list[tuple[str, str]]:
    return [*OWN_FORMATS.items(), *((fmt.name, fmt.label) for fmt in HELPDESK_FORMATS.values())]


def format_label(name: str) -> str:
    return str(OWN_FORMATS.get(name) or HELPDESK_FORMATS[name].label)


@dataclass
class InputFile:
    name: str  # as the person knows it: the upload's name, or "export.zip/macros-2.json"
    path: Path
    format: str = ""  # set by ImportReading.check

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def files_unpack(paths: list[Path], *, into: Path, names: list[str] | None = None) -> list[InputFile]:
    """The files to read: each path as it is, a .zip as its members (unpacked into `into`), in name order."""
    files = []
    for index, path in enumerate(paths):
        name = names[index] if names else path.name
        if not zipfile.is_zipfile(path):
            files.append(InputFile(name=name, path=path))
            continue
        try:
            with zipfile.ZipFile(path) as archive:
                members = sorted(
                    (m for m in archive.infolist() if not m.is_dir() and not m.filename.startswith("__MACOSX/")),
                    key=lambda m: m.filename,
                )
                if sum(m.file_size for m in members) > ZIP_MAX_BYTES:
                    raise ValidationError({"file": _("%(name)s: unpacks to more than 4 GB.") % {"name": name}})
                for number, member in enumerate(members):
                    target = into / f"{index}-{number}-{Path(member.filename).name}"
                    with archive.open(member) as source, open(target, "wb") as out:
                        while chunk := source.read(1 << 20):
                            out.write(chunk)
                    files.append(InputFile(name=f"{name}/{member.filename}", path=target))
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            raise ValidationError(
                {"file": _("%(name)s: not a readable zip: %(error)s") % {"name": name, "error": error}}
            ) from None
        if not members:
            raise ValidationError({"file": _("%(name)s: the zip holds no files.") % {"name": name}})
    return files


def base_url_clean(base_url: str) -> str:
    """The help desk's address as links are built from it: "acme.zendesk.com" is taken as https://acme.zendesk.com.
    Raises ValidationError on `base_url` for anything that is not a web address."""
    base_url = (base_url or "").strip().rstrip("/")
    if not base_url:
        return ""
    if "://" not in base_url:
        base_url = f"https://{base_url}"
    try:
        URLValidator(schemes=["http", "https"])(base_url)
    except ValidationError:
        raise ValidationError(
            {"base_url": _("The help desk's address must be a web address like https://acme.zendesk.com.")}
        ) from None
    return base_url


class ImportReading:
    """The files of one import: checked whole, then read row by row with each row's position."""

    def __init__(self, files: list[InputFile], *, format: str = "", base_url: str = "", encoding: str = ""):
        if format and format not in OWN_FORMATS and format not in HELPDESK_FORMATS:
            raise ValidationError(
                {
                    "format": _("Unknown format %(name)s. Known: %(known)s.")
                    % {"name": format, "known": ", ".join(name for name, _label in format_choices())}
                }
            )
        self.files = files
        self.format = format
        self.links = Links(base_url=base_url_clean(base_url))
        self.encoding = encoding or "utf-8"
        self.lines = 0  # of the files read line by line
        self.unlinked = 0  # help-desk texts without a link back: their export names no address, nor did --base-url
        self._done_bytes = 0
        self._tell = lambda: 0

    @property
    def bytes_total(self) -> int:
        return sum(file.size for file in self.files)

    @property
    def bytes_read(self) -> int:
        return self._done_bytes + self._tell()

    def check(self) -> None:
        """Decide each file's format and make sure the whole file reads; raises ValidationError on `file`."""
        for file in self.files:
            try:
                file.format = _file_format(file.path, wanted=self.format, encoding=self.encoding)
                if file.format in ("csv", "jsonl"):
                    self.lines += file_lines(file.path, encoding=self.encoding)
                    if file.format == "csv":
                        with open(file.path, encoding=_bom_aware(self.encoding), newline="") as handle:
                            for _row in _csv_rows(handle, strict=True):  # an unclosed quote stops it here
                                pass
                else:
                    _json_whole_check(file.path, encoding=self.encoding)
            except ValidationError as error:
                reason = "; ".join(error.messages)
                raise ValidationError({"file": f"{file.name}: {reason}" if len(self.files) > 1 else reason}) from None

    def rows(self) -> Iterator[tuple[int | str, dict]]:
        """(position, row) of every file in turn: a line number, or "item 3"; with several files the file's
        name comes first ("macros-2.json, item 3")."""
        for file in self.files:
            prefix = f"{file.name}, " if len(self.files) > 1 else ""
            for position, row in self._file_rows(file):
                if prefix or not isinstance(position, int):
                    position = prefix + (
                        _("line %(line)s") % {"line": position} if isinstance(position, int) else position
                    )
                yield position, row
            self._done_bytes += file.size
            self._tell = lambda: 0

    def _file_rows(self, file: InputFile) -> Iterator[tuple[int | str, dict]]:
        encoding = self.encoding
        if file.format in HELPDESK_FORMATS:
            yield from self._helpdesk_rows(file, HELPDESK_FORMATS[file.format])
            return
        if file.format == "json":
            with _json_bytes(file.path, encoding=encoding) as raw:
                self._tell = raw.tell
                yield from _json_array_rows(raw)
            return
        with open(file.path, "rb") as raw:
            self._tell = raw.tell
            handle = io.TextIOWrapper(raw, encoding=_bom_aware(encoding), newline="")
            yield from (_jsonl_rows(handle) if file.format == "jsonl" else _csv_rows(handle))

    def _helpdesk_rows(self, file: InputFile, fmt: HelpdeskFormat) -> Iterator[tuple[str, dict]]:
        with _json_bytes(file.path, encoding=self.encoding) as raw:
            self._tell = raw.tell
            if fmt.whole_document:
                document = json.load(raw)
                for number, row in enumerate(fmt.whole_document(document, self.links), start=1):
                    self.unlinked += _unlinked(row)
                    yield _("item %(number)s") % {"number": number}, row
                return
            prefix = f"{fmt.items_key}.item" if fmt.items_key else "item"
            for number, item in enumerate(ijson.items(raw, prefix, use_float=True), start=1):
                where = _("item %(number)s") % {"number": number}
                if not isinstance(item, dict):
                    yield where, {"__error__": _("Not an object.")}
                    continue
                rows = list(fmt.texts(item, self.links))
                self.unlinked += sum(map(_unlinked, rows))
                for row in rows:
                    yield (f"{where} ({row['language']})" if len(rows) > 1 and row.get("language") else where), row


def _unlinked(row: dict) -> bool:
    # An item without an id is rejected anyway; only texts that go in count as without a link back.
    return bool(row.get("external_id")) and not row.get("edit_url") and not row.get("url")


def support_text_rows_read(path: Path, *, encoding: str | None = None) -> Iterator[tuple[int | str, dict]]:
    """(position, row) of one file in any format Bulletin reads, checked whole first (see ImportReading)."""
    reading = ImportReading([InputFile(name=path.name, path=path)], encoding=encoding or "")
    reading.check()
    yield from reading.rows()


def _compared() -> str:
    return ", ".join(str(label) for _name, label in format_choices())


def _file_format(path: Path, *, wanted: str, encoding: str) -> str:
    """The format of one file, `wanted` if it is one; raises ValidationError naming the problem."""
    if path.stat().st_size == 0:
        raise ValidationError(_("The file is empty."))
    file_lines(path, encoding=encoding)  # refuses binary data and text in another encoding, naming the line
    with open(path, encoding=_bom_aware(encoding), newline="") as handle:
        head = handle.read(SNIFF_BYTES).lstrip()
    if not head:
        raise ValidationError(_("The file is empty."))
    if wanted in ("csv", "jsonl"):
        return wanted
    suffix = path.suffix.lower()
    if not wanted and suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if not wanted and (suffix == ".csv" or head[0] not in "[{"):
        _csv_header_check(path, encoding=encoding, detecting=True)
        return "csv"
    try:
        shape = _json_shape(path, encoding=encoding)
    except ValueError as error:
        if wanted == "" and _first_line_is_object(path, encoding=encoding):
            return "jsonl"
        label = format_label(wanted) if wanted else ""
        if label:
            raise ValidationError(
                _("Not a %(format)s export: not JSON (%(error)s).") % {"format": label, "error": error}
            ) from None
        raise ValidationError(_json_invalid(str(error))) from None
    items_key, first, keys = shape
    if wanted:
        if wanted == "json":
            if items_key != "":
                raise ValidationError(_("Not a JSON array: the file holds one object."))
            return wanted
        fmt = HELPDESK_FORMATS[wanted]
        if fmt.whole_document:
            if not set(fmt.document_keys) <= keys:
                raise ValidationError(
                    _("Not a %(format)s export: it lacks %(keys)s.")
                    % {"format": fmt.label, "keys": ", ".join(fmt.document_keys)}
                )
            return wanted
        if fmt.items_key != items_key and not (fmt.items_key == "" and items_key == ""):
            where = _('"%(key)s" list') % {"key": fmt.items_key} if fmt.items_key else _("list of items")
            raise ValidationError(
                _("Not a %(format)s export: it has no %(where)s.") % {"format": fmt.label, "where": where}
            )
        if first is not None and not fmt.looks_like(first):
            raise ValidationError(_("Not a %(format)s export: its items are not %(format)s.") % {"format": fmt.label})
        return wanted
    for fmt in HELPDESK_FORMATS.values():
        if fmt.whole_document and keys and set(fmt.document_keys) <= keys:
            return fmt.name
        if fmt.items_key == items_key and first is not None and fmt.looks_like(first):
            return fmt.name
    if items_key == "" and (first is None or (isinstance(first, dict) and any(c in first for c in REQUIRED_COLUMNS))):
        return "json"
    if any(column in _first_object(path, encoding=encoding) for column in REQUIRED_COLUMNS):
        return "jsonl"
    raise ValidationError(_("Not a format Bulletin reads; compared with: %(formats)s.") % {"formats": _compared()})


def _json_shape(path: Path, *, encoding: str) -> tuple[str | None, dict | None, set[str]]:
    """(items key, first item, top-level keys seen): "" for a JSON array; the key of an object's first list
    of objects; None for an object without one. Raises ValueError when the start is not JSON."""
    keys: set[str] = set()
    try:
        with _json_bytes(path, encoding=encoding) as raw:
            events = ijson.parse(raw, multiple_values=True)
            _prefix, event, _value = next(events)
            if event == "start_array":
                with _json_bytes(path, encoding=encoding) as again:
                    return "", next(iter(ijson.items(again, "item", use_float=True)), None), keys
            if event != "start_map":
                raise ValueError(_("the file holds a single value"))
            for prefix, event, value in events:
                if prefix == "" and event == "map_key":
                    keys.add(value)
                elif prefix == "" and event == "end_map":
                    break
                elif event == "start_array" and prefix and "." not in prefix:
                    with _json_bytes(path, encoding=encoding) as again:
                        first = next(iter(ijson.items(again, f"{prefix}.item", use_float=True)), None)
                    if first is None or isinstance(first, dict):
                        return prefix, first, keys
    except ijson.JSONError as error:
        raise ValueError(_json_error(error)) from None
    except StopIteration:
        raise ValueError(_("no JSON value")) from None
    return None, None, keys


def _json_whole_check(path: Path, *, encoding: str) -> None:
    """Reads the whole document once, so a file cut short is refused before anything is imported."""
    try:
        with _json_bytes(path, encoding=encoding) as raw:
            for _event in ijson.parse(raw):
                pass
    except ijson.JSONError as error:
        raise ValidationError(_json_invalid(_json_error(error))) from None


def _json_error(error: Exception) -> str:
    """The parser's reason on one line (yajl draws an arrow under the spot on the lines after it)."""
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _json_invalid(reason: str) -> str:
    if "premature EOF" in reason or "Incomplete" in reason:
        return _("Not valid JSON: %(error)s. Is the file cut short? Nothing was imported.") % {"error": reason}
    return _("Not valid JSON: %(error)s. Nothing was imported.") % {"error": reason}


def _first_object(path: Path, *, encoding: str) -> dict:
    with open(path, encoding=_bom_aware(encoding), newline="") as handle:
        for line in handle:
            if line.strip():
                try:
                    value = json.loads(line)
                except (json.JSONDecodeError, RecursionError):
                    return {}
                return value if isinstance(value, dict) else {}
    return {}


def _first_line_is_object(path: Path, *, encoding: str) -> bool:
    return bool(_first_object(path, encoding=encoding))


class _json_bytes:
    """The file as UTF-8 bytes without a BOM (JSON is UTF-8; another encoding is re-encoded in memory)."""

    def __init__(self, path: Path, *, encoding: str):
        self.path, self.encoding = path, encoding

    def __enter__(self):
        self.raw = open(self.path, "rb")
        if codecs.lookup(self.encoding).name != "utf-8":
            data = self.raw.read().decode(self.encoding).encode()
            self.raw.close()
            self.raw = io.BytesIO(data)
        if self.raw.read(3) != codecs.BOM_UTF8:
            self.raw.seek(0)
        return self.raw

    def __exit__(self, *exc):
        self.raw.close()


def _csv_header_check(path: Path, *, encoding: str, detecting: bool) -> None:
    with open(path, encoding=_bom_aware(encoding), newline="") as handle:
        try:
            next(_csv_rows(handle), None)
        except ValidationError as error:
            if not detecting:
                raise
            reason = "; ".join(error.messages)
            raise ValidationError(
                _("Not a format Bulletin reads: as CSV, %(reason)s Compared with: %(formats)s.")
                % {"reason": reason[:1].lower() + reason[1:], "formats": _compared()}
            ) from None


def _bom_aware(encoding: str) -> str:
    return "utf-8-sig" if codecs.lookup(encoding).name == "utf-8" else encoding


def file_lines(path: Path, *, encoding: str = "utf-8") -> int:
    """The number of lines in the file, read once in `encoding` before any of it is imported: a decoding
    error halfway would leave half an import. Raises ValidationError on `file` naming the line."""
    decoder, line = codecs.getincrementaldecoder(encoding)(), 1
    lines, last = 0, "\n"
    with open(path, "rb") as handle:
        while True:
            chunk = handle.read(1 << 20)
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as error:
                line += chunk.count(b"\n", 0, error.start)
                if codecs.lookup(encoding).name == "utf-8":
                    message = _("Not UTF-8 text (line %(line)s). Save it as UTF-8 or name its encoding.")
                else:
                    message = _("Not %(encoding)s text (line %(line)s).")
                raise ValidationError({"file": message % {"line": line, "encoding": encoding}}) from None
            lines += text.count("\n")
            last = text[-1:] or last
            line += chunk.count(b"\n")
            if not chunk:
                return lines + (last != "\n")  # a last line without its line break counts too


def _json_array_rows(raw) -> Iterator[tuple[str, dict]]:
    """The items of a JSON array, read as a stream (an export of hundreds of megabytes stays small in memory)."""
    for number, item in enumerate(ijson.items(raw, "item", use_float=True), start=1):
        yield _("item %(number)s") % {"number": number}, item


def _jsonl_rows(handle: io.TextIOBase) -> Iterator[tuple[int, dict]]:
    for line_number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            yield line_number, json.loads(line)
        except json.JSONDecodeError as error:
            yield line_number, {"__error__": _("Not valid JSON: %(error)s") % {"error": error.msg}}
        except RecursionError:
            yield line_number, {"__error__": _("Not valid JSON: nested too deeply.")}


def _csv_rows(handle: io.TextIOBase, *, strict: bool = False) -> Iterator[tuple[int, dict]]:
    """(line, row) of a CSV file; with `strict`, a record longer than any text raises ValidationError."""
    csv.field_size_limit(CSV_FIELD_LIMIT)
    header = handle.readline()
    handle.seek(0)
    # Excel in German locales writes semicolons; take whichever separator the header uses most.
    delimiter = max((",", ";", "\t", "|"), key=header.count)
    reader = csv.DictReader(handle, delimiter=delimiter)
    if reader.fieldnames is None:  # an empty file
        return
    reader.fieldnames = [name.strip().lower() for name in reader.fieldnames]
    missing = [name for name in REQUIRED_COLUMNS if name not in reader.fieldnames]
    if missing:
        message = _("The header lacks the columns: %(columns)s.") % {"columns": ", ".join(missing)}
        raise ValidationError({"file": message})
    line = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield line, {"__error__": _("Not a readable CSV record: %(error)s") % {"error": error}}
        else:
            if strict:
                _csv_record_check(row, start=line, end=reader.line_num)
            if None in row:  # more cells than columns
                yield line, {"__error__": _("More cells than columns.")}
            else:
                yield line, row
        line = reader.line_num + 1


def _csv_record_check(row: dict, *, start: int, end: int) -> None:
    too_long = sum(len(value) for value in row.values() if isinstance(value, str)) > CSV_RECORD_MAX_CHARS
    if end - start + 1 > CSV_RECORD_MAX_LINES or too_long:
        message = _(
            "The record starting on line %(line)s runs on to line %(end)s, longer than any text: "
            "is a quote left open there? Nothing was imported."
        ) % {"line": start, "end": end}
        raise ValidationError({"file": message})
