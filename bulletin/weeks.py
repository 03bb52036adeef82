"""ISO weeks as the digest names them: "2026-W48"."""

import datetime
import re

WEEK_PATTERN = r"\d{4}-W\d{2}"
_WEEK_RE = re.compile(rf"^{WEEK_PATTERN}$")


def week_label(day: datetime.date) -> str:
    """The ISO week holding `day`, e.g. "2026-W48" (ISO years differ from calendar years around New Year)."""
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def week_monday(week: str) -> datetime.date:
    """Monday of an ISO week given as "YYYY-Www". Raises ValueError for malformed or non-existent weeks."""
    if not isinstance(week, str) or not _WEEK_RE.match(week):
        raise ValueError(f"{week!r} is not an ISO week like 2026-W48")
    year, number = int(week[:4]), int(week[6:])
    try:
        return datetime.date.fromisocalendar(year, number, 1)
    except ValueError:
        raise ValueError(f"{week} does not exist: {year} has no week {number}") from None
