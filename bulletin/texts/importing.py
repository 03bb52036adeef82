"""Importing support texts (macros and FAQ entries) from the help desk.

Shared by `import_support_texts`, the import page, the live sync and the bulk API;
reading.py turns files into rows. Rows are validated one by one
(a bad row is reported and skipped, never stops the good ones) and written in
batches with bulk operations, so 100,000 rows take seconds.
"""

import contextlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bulletin.texts.models import Helpdesk, SupportText
from bulletin.texts.normalising import normalise
from changes.models import Team

COLUMNS = ("external_id", "kind", "title", "body", "url", "edit_url", "language", "tags")
# Compared to tell an updated row from an unchanged one; owner_team only when the row names it.
COMPARED = ("kind", "title", "body", "url", "edit_url", "helpdesk", "language", "tags", "active")
# A row may leave these out: a new text gets the default, a stored one keeps what it has (like owner_team).
OPTIONAL_DEFAULTS = {"url": "", "edit_url": "", "helpdesk": "", "language": "", "tags": [], "active": True}
BATCH_SIZE = 1000
MAX_TAGS = 50
_url_valid = URLValidator(schemes=["http", "https"])
# Looked up for every row of a 100,000-row import: built once.
_KINDS = frozenset(SupportText.Kind.values)
_HELPDESKS = frozenset(Helpdesk.values)
_TAG_SEPARATORS = (";", "|")
# PostgreSQL stores no NUL in text or jsonb, and a lone surrogate cannot be encoded as UTF-8.
_UNSTORABLE_RE = re.compile("[\x00\ud800-\udfff]")
_TRUE = {"1", "true", "yes", "on", "ja", "wahr", "aktiv", ""}
_FALSE = {"0", "false", "no", "off", "nein", "falsch", "inaktiv"}
REQUIRED_COLUMNS = ("external_id", "kind", "title", "body")


def _unstorable_message() -> str:
    return _("Null characters and unpaired surrogates are not allowed.")


def position_label(position: int | str) -> str:
    """ "line 4" for a line number; a reader's own label ("item 3", "macros-2.json, item 3") as it is."""
    return _("line %(line)s") % {"line": position} if isinstance(position, int) else position


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # (line, index or a reader's label like "item 3", {field: reason})
    rejected: list[tuple[int | str, dict[str, str]]] = field(default_factory=list)
    changed_ids: list[int] = field(default_factory=list)  # created or updated: these need a scan

    @property
    def records(self) -> int:
        return self.created + self.updated + self.unchanged + len(self.rejected)

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": len(self.rejected),
        }


def _tags(value) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str) and value.lstrip().startswith("["):  # a JSON list in a CSV cell
        with contextlib.suppress(json.JSONDecodeError):
            value = json.loads(value)
    if isinstance(value, str):
        separator = next((s for s in _TAG_SEPARATORS if s in value), ",")
        value = value.split(separator)
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        raise ValueError(_("Tags must be a list of words or a comma-separated string."))
    tags = list(dict.fromkeys(tag.strip() for tag in value if tag.strip()))
    if any(len(tag) > 50 for tag in tags):
        raise ValueError(_("A tag may have at most 50 characters."))
    if any(_UNSTORABLE_RE.search(tag) for tag in tags):
        raise ValueError(_unstorable_message())
    if len(tags) > MAX_TAGS:
        raise ValueError(_("At most %(max)s tags.") % {"max": MAX_TAGS})
    return tags


def _active(value, errors: dict) -> bool:
    """True or false; a CSV cell may spell it out, an empty one means active."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    errors["active"] = _("Must be true or false.")
    return False


def support_text_source_clean(source) -> str:
    """The import's source name, stripped; raises ValidationError on `source`."""
    if not isinstance(source, str) or not source.strip() or len(source.strip()) > 50:
        raise ValidationError({"source": _("Give a source name of at most 50 characters.")})
    if _UNSTORABLE_RE.search(source):
        raise ValidationError({"source": _unstorable_message()})
    return source.strip()


def _text(row: dict, name: str, *, required: bool, max_length: int | None, errors: dict) -> str:
    value = row.get(name)
    if value is None:
        value = ""
    if not isinstance(value, str):
        if isinstance(value, int) and not isinstance(value, bool):  # a numeric id from a JSON export
            value = str(value)
        else:
            errors[name] = _("Must be text.")
            return ""
    if _UNSTORABLE_RE.search(value):
        errors[name] = _unstorable_message()
        return ""
    value = value if name == "body" else value.strip()
    if required and not value.strip():
        errors[name] = _("This field is required.")
    elif max_length and len(value) > max_length:
        errors[name] = _("At most %(max)s characters.") % {"max": max_length}
    return value


def support_text_clean(row: dict, *, teams: dict[str, int]) -> tuple[dict | None, dict[str, str]]:
    """Validate one input row; return (values for SupportText, {}) or (None, {field: reason})."""
    if not isinstance(row, dict):
        return None, {"row": _("Each item must be an object with the columns %(cols)s.") % {"cols": ", ".join(COLUMNS)}}
    if "__error__" in row:
        return None, {"row": row["__error__"]}
    errors: dict[str, str] = {}
    values = {
        "external_id": _text(row, "external_id", required=True, max_length=100, errors=errors),
        "kind": _text(row, "kind", required=True, max_length=None, errors=errors).lower(),
        "title": _text(row, "title", required=True, max_length=300, errors=errors),
        "body": _text(row, "body", required=True, max_length=SupportText.MAX_BODY_CHARS, errors=errors),
    }
    # Optional columns a row does not name are left out here and keep their stored value (see _write_batch).
    if "url" in row:
        values["url"] = _text(row, "url", required=False, max_length=500, errors=errors)
    if "edit_url" in row:
        values["edit_url"] = _text(row, "edit_url", required=False, max_length=500, errors=errors)
    if "helpdesk" in row:
        values["helpdesk"] = _text(row, "helpdesk", required=False, max_length=20, errors=errors).lower()
        if values["helpdesk"] and values["helpdesk"] not in _HELPDESKS:
            errors["helpdesk"] = _("Must be one of: %(choices)s.") % {"choices": ", ".join(Helpdesk.values)}
    if "language" in row:
        values["language"] = _text(row, "language", required=False, max_length=10, errors=errors).lower()
    if "kind" not in errors and values["kind"] not in _KINDS:
        errors["kind"] = _("Must be one of: %(choices)s.") % {"choices": ", ".join(SupportText.Kind.values)}
    for name in ("url", "edit_url"):
        if values.get(name) and name not in errors:
            try:
                _url_valid(values[name])
            except ValidationError:
                errors[name] = _("Enter a valid http(s) URL.")
    if "tags" in row:
        try:
            values["tags"] = _tags(row["tags"])
        except ValueError as error:
            errors["tags"] = str(error)
    if "active" in row:
        values["active"] = _active(row["active"], errors)
    team_slug = row.get("owner_team")
    if team_slug not in (None, ""):
        if not isinstance(team_slug, str) or team_slug.strip() not in teams:
            errors["owner_team"] = _("Unknown team: %(slug)s.") % {"slug": team_slug}
        else:
            values["owner_team_id"] = teams[team_slug.strip()]
    if errors:
        return None, errors
    return values, {}


def support_texts_import(
    *,
    rows: Iterable[tuple[int | str, dict]],
    source: str,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
    result: ImportResult | None = None,
) -> ImportResult:
    """Upsert support texts by (source, external_id); `rows` are (line number, index or label, row dict).

    Idempotent: importing the same rows again changes nothing and counts them as
    unchanged. Each batch commits on its own; a rejected row is reported with its
    line and reasons and does not affect the others. A later row with an
    external id already seen in this import is rejected. Does not scan: callers
    queue flags_scan_texts_enqueue(result.changed_ids). Pass your own `result` to
    know what was committed even when reading the rows fails halfway.
    """
    source = support_text_source_clean(source)
    teams = dict(Team.objects.values_list("slug", "pk"))
    result = result if result is not None else ImportResult()
    seen: dict[str, int | str] = {}
    batch: list[tuple[int | str, dict]] = []
    statistics = _Statistics()

    for line, row in rows:
        values, errors = support_text_clean(row, teams=teams)
        if values is not None and values["external_id"] in seen:
            errors = {
                "external_id": _("Duplicate of %(position)s.")
                % {"position": position_label(seen[values["external_id"]])}
            }
            values = None
        if values is None:
            result.rejected.append((line, errors))
        else:
            seen[values["external_id"]] = line
            batch.append((line, values))
        if len(batch) >= batch_size:
            _write_batch(batch, source=source, result=result)
            statistics.refresh_if_stale(written=result.created)
            if progress:
                progress(len(batch))
            batch = []
    if batch:
        _write_batch(batch, source=source, result=result)
        if progress:
            progress(len(batch))
    statistics.refresh_if_stale(written=result.created, final=True)
    return result


class _Statistics:
    """Keeps PostgreSQL's row estimate for the table near the truth during a big import.

    Measured: with the estimate of an empty table the planner looks texts up by
    `source` alone, so each batch's lookup reads every text of the source and a
    100,000-row import turns quadratic (44 s instead of about 10). ANALYZE whenever the
    table has doubled since the last estimate (a few times per big import, ~0.1 s each).
    """

    MIN_ROWS = 10_000

    def __init__(self):
        self.enabled = connection.vendor == "postgresql"
        self.estimate = 0
        if self.enabled:
            with connection.cursor() as cursor:
                cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [SupportText._meta.db_table])
                row = cursor.fetchone()
                self.estimate = max(0, int(row[0])) if row else 0
        self.analyzed_at = 0

    def refresh_if_stale(self, *, written: int, final: bool = False) -> None:
        fresh = written - self.analyzed_at
        if not self.enabled or fresh < self.MIN_ROWS or (fresh < self.estimate and not final):
            return
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {SupportText._meta.db_table}")
        self.estimate += fresh
        self.analyzed_at = written


@transaction.atomic
def _write_batch(batch: list[tuple[int | str, dict]], *, source: str, result: ImportResult) -> None:
    now = timezone.now()
    fields = ("id", "external_id", *COMPARED, "owner_team_id")
    existing = {
        row[1]: dict(zip(fields, row, strict=True))
        for row in SupportText.objects.filter(
            source=source, external_id__in=[values["external_id"] for _line, values in batch]
        ).values_list(*fields)
    }
    to_write = []
    for _line, values in batch:
        current = existing.get(values["external_id"])
        for name, default in OPTIONAL_DEFAULTS.items():
            if name not in values:
                fresh = list(default) if isinstance(default, list) else default
                values[name] = current[name] if current is not None else fresh
        if current is not None:
            compared = COMPARED + (("owner_team_id",) if "owner_team_id" in values else ())
            if all(current[name] == values[name] for name in compared):
                result.unchanged += 1
                continue
        to_write.append(values)
    if not to_write:
        return
    if connection.vendor == "postgresql":
        written = _upsert_postgresql(to_write, source=source, now=now)
    else:
        written = _upsert_orm(to_write, source=source, now=now, existing=existing)
    for pk, inserted in written:
        if inserted:
            result.created += 1
        else:
            result.updated += 1
        result.changed_ids.append(pk)


def _upsert_orm(rows: list[dict], *, source: str, now, existing: dict) -> list[tuple[int, bool]]:
    """Portable upsert (SQLite in development)."""
    written = []
    for values in rows:
        defaults = {**values, "body_normalised": normalise(values["body"]), "updated_at": now}
        text, created = SupportText.objects.update_or_create(
            source=source, external_id=values["external_id"], defaults=defaults
        )
        written.append((text.pk, created))
    return written


_UPSERT_COLUMNS = (
    "kind",
    "title",
    "body",
    "body_normalised",
    "url",
    "edit_url",
    "helpdesk",
    "language",
    "tags",
    "active",
)


def _upsert_postgresql(rows: list[dict], *, source: str, now) -> list[tuple[int, bool]]:
    """COPY the rows into a temporary table and upsert from there: an order of magnitude faster than INSERTs.

    ON CONFLICT keeps it right when another import writes the same texts meanwhile;
    `xmax = 0` tells an inserted row from an updated one. owner_team is only
    overwritten for rows that name it.
    """
    table = SupportText._meta.db_table
    columns = ", ".join(_UPSERT_COLUMNS)
    updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in (*_UPSERT_COLUMNS, "updated_at"))
    written = []
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bulletin_import (external_id varchar(100), kind varchar(10), title varchar(300), "
            "body text, body_normalised text, url varchar(500), edit_url varchar(500), helpdesk varchar(20), "
            "language varchar(10), tags jsonb, active boolean, "
            "owner_team_id bigint, set_owner boolean) ON COMMIT DROP"
        )
        with cursor.cursor.copy(
            f"COPY bulletin_import (external_id, {columns}, owner_team_id, set_owner) FROM STDIN"
        ) as copy:
            for values in rows:
                copy.write_row(
                    (
                        values["external_id"],
                        values["kind"],
                        values["title"],
                        values["body"],
                        normalise(values["body"]),
                        values["url"],
                        values["edit_url"],
                        values["helpdesk"],
                        values["language"],
                        json.dumps(values["tags"]),
                        values["active"],
                        values.get("owner_team_id"),
                        "owner_team_id" in values,
                    )
                )
        for set_owner in (True, False):
            owner_update = ", owner_team_id = EXCLUDED.owner_team_id" if set_owner else ""
            cursor.execute(
                f"INSERT INTO {table} (source, external_id, {columns}, owner_team_id, created_at, updated_at) "
                f"SELECT %s, external_id, {columns}, owner_team_id, %s, %s FROM bulletin_import "
                f"WHERE set_owner = %s "
                f"ON CONFLICT (source, external_id) DO UPDATE SET {updates}{owner_update} "
                "RETURNING id, (xmax = 0)",
                [source, now, now, set_owner],
            )
            written.extend(cursor.fetchall())
        # Dropped here too: inside an outer transaction (the bulk API) ON COMMIT comes too late for the next batch.
        cursor.execute("DROP TABLE bulletin_import")
    return written
