"""Reading changes: the week's boundaries, the edit history shown on a change's page, JSON list lookups."""

import datetime
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import BooleanField, Model, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from changes.models import Change, FactChange, Team


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
    what: str  # "created", "changed", "fact_added", "fact_removed", "fact_changed"
    changes: list[tuple[str, object, object]] = field(default_factory=list)


def _display(field_name: str, value, teams: dict):
    model_field = Change._meta.get_field(field_name)
    if model_field.choices and value is not None:
        return dict(model_field.flatchoices).get(value, value)
    if field_name == "team":
        return teams.get(value, value)
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return value


def change_history(change: Change) -> list[HistoryEntry]:
    """Every recorded edit of the change and its fact changes, newest first."""
    entries = []
    records = list(change.history.select_related("history_user").order_by("history_date", "history_id"))
    teams = dict(Team.objects.values_list("pk", "name"))
    previous = None
    for record in records:
        if previous is None:
            entries.append(HistoryEntry(record.history_date, record.history_user, "created"))
        else:
            delta = record.diff_against(previous)
            diffs = [
                (
                    str(Change._meta.get_field(item.field).verbose_name),
                    _display(item.field, item.old, teams),
                    _display(item.field, item.new, teams),
                )
                for item in delta.changes
                if item.field not in {"revision"}
            ]
            if diffs:
                entries.append(HistoryEntry(record.history_date, record.history_user, "changed", diffs))
        previous = record

    fact_records = FactChange.history.filter(change_id=change.pk).select_related("history_user")
    wording_before: dict[int, str] = {}  # by fact change id: an edit shows what it replaced
    for record in fact_records.order_by("history_date", "history_id"):
        wording = f"{record.old_text} → {record.new_text}"
        kind = {"+": "fact_added", "-": "fact_removed", "~": "fact_changed"}[record.history_type]
        before = wording_before.get(record.id, "")
        entries.append(HistoryEntry(record.history_date, record.history_user, kind, [("", before, wording)]))
        wording_before[record.id] = wording
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries
