"""The change list as CSV, for Excel in the reader's language.

Excel reads a CSV as UTF-8 only when it opens with a byte-order mark, and splits it on the list separator of
the computer's region: a semicolon where the decimal mark is a comma (German), a comma elsewhere.
"""

import csv
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from changes.models import Change

BOM = "\ufeff"


def csv_delimiter(language: str | None = None) -> str:
    return ";" if (language or get_language() or "").startswith("de") else ","


class _Line:
    """A file-like object whose write returns what was written, for csv.writer inside a generator."""

    def write(self, value: str) -> str:
        return value


def _row(change: Change) -> list:
    acknowledged_at = change.acknowledged_at
    return [
        change.pk,
        change.title,
        change.team.name,
        change.get_category_display(),
        change.get_state_display(),
        change.get_severity_display(),
        change.effective_from.isoformat(),
        change.effective_until.isoformat() if change.effective_until else "",
        ", ".join(map(str, change.channel_labels)),
        ", ".join(change.tags),
        change.notice_days if change.published_at else "",
        timezone.localtime(acknowledged_at).strftime("%Y-%m-%d %H:%M") if acknowledged_at else "",
        " · ".join(f"{fact.old_text} → {fact.new_text}" for fact in change.fact_changes.all()),
        f"{settings.SITE_URL}{change.get_absolute_url()}",
    ]


def changes_csv_lines(changes: Iterable[Change]) -> Iterator[str]:
    """The CSV, line by line: a header in the active language, then one row per change."""
    writer = csv.writer(_Line(), delimiter=csv_delimiter())
    header = [
        _("ID"), _("Title"), _("Team"), _("Category"), _("State"), _("Severity"), _("Effective from"),
        _("Effective until"), _("Channels"), _("Tags"), _("Days of notice"), _("Handover confirmed"),
        _("Fact changes"), _("Link"),
    ]  # fmt: skip
    yield BOM + writer.writerow(header)
    for change in changes:
        yield writer.writerow(_row(change))
