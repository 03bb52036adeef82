"""Reading changes: the week's boundaries, the edit history shown on a change's page, JSON list lookups."""

import datetime
import html
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import BooleanField, Model, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from changes.models import Change, Channel, FactChange, Team
from changes.rendering import render_markdown


def week_bounds(day: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """Monday and Sunday of the ISO week holding `day` (today in TIME_ZONE by default)."""
    day = day or timezone.localdate()
    monday = day - datetime.timedelta(days=day.weekday())
    return monday, monday + datetime.timedelta(days=6)


def json_list_contains(model: type[Model], field: str, value: str) -> Q:
    """Rows of `model` whose JSON list `field` (channels, tags) holds `value`, exactly.

    PostgreSQL answers with JSON containment (and its GIN-able @>); SQLite, the
    embedded default, has no containment lookup, so its JSON1 json_each looks
    through the list.
    """
    if connection.features.supports_json_field_contains:
        return Q(**{f"{field}__contains": [value]})
    column = f'"{model._meta.db_table}"."{model._meta.get_field(field).column}"'
    has_item = RawSQL(
        f"EXISTS (SELECT 1 FROM json_each({column}) WHERE json_each.value = %s)", [value], output_field=BooleanField()
    )
    return Q(has_item)


def fact_texts_by_change(*, change_ids) -> dict[int, list[dict]]:
    """{change id: [{"old_text", "new_text"}, …] in their order} for many changes, in one query."""
    texts: dict[int, list[dict]] = {change_id: [] for change_id in change_ids}
    rows = (
        FactChange.objects.filter(change_id__in=texts)
        .order_by("change_id", "position", "id")
        .values_list("change_id", "old_text", "new_text")
    )
    for change_id, old_text, new_text in rows:
        texts[change_id].append({"old_text": old_text, "new_text": new_text})
    return texts


@dataclass
class HistoryEntry:
    when: datetime.datetime
    who: object
    # "created", "published", "withdrawn", "acknowledged", "changed", "fact_added", "fact_removed", "fact_changed"
    what: str
    # "changed": (field label, old, new); a fact entry: (label, was, is) per wording that differs
    changes: list[tuple[str, object, object]] = field(default_factory=list)
    fact: str = ""  # a fact entry: the fact as it reads ("5–7 Werktage → 10–14 Werktage"), before it was removed
    note: str = ""  # "acknowledged": the support lead's note
    handover_asked_again: bool = False  # "changed": the edit emptied a confirmed handover


# Recorded, but told as entries of their own (published, withdrawn, acknowledged) or not at all.
_NOT_TOLD_AS_EDITS = {
    "revision", "status", "published_at", "withdrawn_at", "acknowledged_at", "acknowledged_by", "acknowledgement_note",
}  # fmt: skip
_MARKDOWN_FIELDS = {"customer_impact", "support_guidance"}


def _plain_text(markdown_source: str) -> str:
    """A Markdown field as a reader sees it, in one line: the history shows what was written, not its markup."""
    return " ".join(html.unescape(strip_tags(render_markdown(markdown_source or ""))).split())


def _display(field_name: str, value, teams: dict):
    model_field = Change._meta.get_field(field_name)
    if field_name in _MARKDOWN_FIELDS:
        return _plain_text(value)
    if model_field.choices and value is not None:
        return dict(model_field.flatchoices).get(value, value)
    if field_name == "team":
        return teams.get(value, value)
    if field_name == "channels" and isinstance(value, list):
        labels = dict(Channel.choices)
        return ", ".join(str(labels.get(item, item)) for item in value)
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return value


def _change_entries(records: list, teams: dict) -> list[HistoryEntry]:
    entries, previous = [], None
    for record in records:
        when, who = record.history_date, record.history_user
        if previous is None:
            entries.append(HistoryEntry(when, who, "created"))
            previous = record
            continue
        if previous.status != record.status and record.status in ("published", "withdrawn"):
            entries.append(HistoryEntry(when, who, record.status))
        if record.acknowledged_at and record.acknowledged_at != previous.acknowledged_at:
            entries.append(HistoryEntry(when, who, "acknowledged", note=record.acknowledgement_note))
        diffs = [
            (
                str(Change._meta.get_field(item.field).verbose_name),
                _display(item.field, item.old, teams),
                _display(item.field, item.new, teams),
            )
            for item in record.diff_against(previous).changes
            if item.field not in _NOT_TOLD_AS_EDITS
        ]
        if diffs:
            asked_again = bool(previous.acknowledged_at) and not record.acknowledged_at
            entries.append(HistoryEntry(when, who, "changed", diffs, handover_asked_again=asked_again))
        previous = record
    return entries


def _fact_entries(change: Change) -> list[HistoryEntry]:
    entries = []
    records = FactChange.history.filter(change_id=change.pk).select_related("history_user")
    before: dict[int, tuple[str, str]] = {}  # by fact change id: an edit shows what it replaced
    for record in records.order_by("history_date", "history_id"):
        wording = (record.old_text, record.new_text)
        fact = f"{record.old_text} → {record.new_text or '—'}"
        kind = {"+": "fact_added", "-": "fact_removed", "~": "fact_changed"}[record.history_type]
        entry = HistoryEntry(record.history_date, record.history_user, kind, fact=fact)
        if kind == "fact_changed":
            was = before.get(record.id, ("", ""))
            entry.fact = was[0] or record.old_text  # named as it read: its wordings follow as label: was ⇒ is
            labels = (_("old wording"), _("new wording"))
            pairs = zip(labels, was, wording, strict=True)
            entry.changes = [(label, old, new) for label, old, new in pairs if old != new]
            if not entry.changes:
                continue  # only its place in the list moved
        entries.append(entry)
        before[record.id] = wording
    return entries


def change_history(change: Change) -> list[HistoryEntry]:
    """Every recorded step of the change and its fact changes, newest first."""
    records = list(change.history.select_related("history_user").order_by("history_date", "history_id"))
    teams = dict(Team.objects.values_list("pk", "name"))
    entries = _change_entries(records, teams) + _fact_entries(change)
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries
