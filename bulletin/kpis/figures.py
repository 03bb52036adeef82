"""Whether the weekly routine works, week by week, per team and overall: the shared KPIs.

Every figure belongs to an ISO week. A change counts in the week it takes effect, and so do its flags
(their due day). "Before it took effect" means before 00:00 of that day in TIME_ZONE. The team of a
change, and of its flags, is the team that filed it; the team of a digest reader is the team they are an
agent of. A week without anything to count has no value (None), never a zero that was not measured.
"""

import bisect
import datetime
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bulletin.digest.selectors import digest_agents, digest_reads_by_week
from bulletin.texts.selectors import flag_lifetimes
from bulletin.weeks import week_label
from changes.models import Change, Team

OVERALL = "all"
MAX_WEEKS = 104
DIGEST_READ_BY = datetime.time(9)  # Monday 09:00: before the first calls of the week


@dataclass
class Series:
    key: str  # a team's slug, or OVERALL
    label: str
    values: list[float | None]
    counts: list[int]  # how many changes, flags or agents each value is measured over


@dataclass
class Kpi:
    key: str
    title: str
    unit: str  # "days", "percent" or "count"
    how: str  # how it is counted, in a sentence or two
    series: list[Series] = field(default_factory=list)


@dataclass
class KpiReport:
    weeks: list[str]
    mondays: list[datetime.date]
    kpis: list[Kpi]
    team_keys: list[str]  # the teams reported on, by name: each keeps its colour in every chart


def weeks_ending(last_day: datetime.date, count: int) -> list[datetime.date]:
    """The Mondays of the `count` ISO weeks ending with the week of `last_day`, oldest first."""
    monday = last_day - datetime.timedelta(days=last_day.weekday())
    return [monday - datetime.timedelta(weeks=back) for back in range(count - 1, -1, -1)]


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _share(hits: int, total: int) -> float | None:
    return round(100 * hits / total, 1) if total else None


def _share_true(cell: list[bool]) -> float | None:
    return _share(sum(cell), len(cell))


class _Grid:
    """Values collected per (series key, week index), then reduced to one figure each."""

    def __init__(self, weeks: int):
        self.weeks = weeks
        self.cells: dict[str, list[list]] = defaultdict(lambda: [[] for _ in range(weeks)])

    def add(self, keys, week: int, value) -> None:
        for key in keys:
            self.cells[key][week].append(value)

    def series(self, reduce, teams: dict[str, str]) -> list[Series]:
        result = []
        for key, label in [(OVERALL, str(_("All teams"))), *teams.items()]:
            if key not in self.cells:
                continue
            cells = self.cells[key]
            result.append(Series(key, label, [reduce(cell) for cell in cells], [len(cell) for cell in cells]))
        return result


def _week_index(mondays: list[datetime.date]):
    first = mondays[0]

    def index(day: datetime.date) -> int | None:
        at = (day - first).days // 7
        return at if 0 <= at < len(mondays) else None

    return index


def _changes(mondays, slugs: dict[int, str]):
    last = mondays[-1] + datetime.timedelta(days=6)
    return (
        Change.objects.filter(status=Change.Status.PUBLISHED, published_at__isnull=False)
        .filter(effective_from__gte=mondays[0], effective_from__lte=last, team_id__in=slugs)
        .values_list("team_id", "published_at", "effective_from", "acknowledged_at")
    )


def _change_kpis(mondays, slugs, teams) -> list[Kpi]:
    index = _week_index(mondays)
    notice, handover, acknowledge = _Grid(len(mondays)), _Grid(len(mondays)), _Grid(len(mondays))
    for team_id, published_at, effective_from, acknowledged_at in _changes(mondays, slugs):
        week, keys = index(effective_from), (OVERALL, slugs[team_id])
        notice.add(keys, week, (effective_from - timezone.localdate(published_at)).days)
        handover.add(keys, week, acknowledged_at is not None and acknowledged_at < _midnight(effective_from))
        if acknowledged_at is not None:
            acknowledge.add(keys, week, max((acknowledged_at - published_at).total_seconds(), 0) / 86400)
    minimum = settings.BULLETIN_MIN_NOTICE_DAYS
    return [
        Kpi("notice", _("Notice lead time"), "days", _(
            "Median days between publishing a change and the day it takes effect, over the changes taking effect "
            "that week."
        ), notice.series(_median, teams)),
        Kpi("late", _("Late changes"), "percent", _(
            "Share of the changes taking effect that week that were published fewer than %(days)s days ahead "
            "(BULLETIN_MIN_NOTICE_DAYS)."
        ) % {"days": minimum}, notice.series(lambda cell: _share(sum(d < minimum for d in cell), len(cell)), teams)),
        Kpi("handover", _("Handovers confirmed in time"), "percent", _(
            "Share of the changes taking effect that week whose handover a support lead confirmed before the day "
            "they took effect. An edit of what customers feel asks for a new confirmation; the last one counts."
        ), handover.series(_share_true, teams)),
        Kpi("acknowledge", _("Time to confirm a handover"), "days", _(
            "Median days from publishing to the support lead's confirmation, over the confirmed changes taking "
            "effect that week."
        ), acknowledge.series(_median, teams)),
    ]


def _flag_kpis(mondays, slugs, teams) -> list[Kpi]:
    index = _week_index(mondays)
    weeks = len(mondays)
    fixed, fix_time, overdue = _Grid(weeks), _Grid(weeks), _Grid(weeks)
    week_ends = [_midnight(monday + datetime.timedelta(days=7)) for monday in mondays]
    rows = flag_lifetimes(
        due_from=mondays[0], due_until=mondays[-1] + datetime.timedelta(days=6), open_since=_midnight(mondays[0])
    )
    for row in rows:
        if row["team_id"] not in slugs or row["due"] is None:
            continue
        keys = (OVERALL, slugs[row["team_id"]])
        week = index(row["due"])
        # A flag dismissed by a person was not a text to fix; one Bulletin closed (change withdrawn) neither.
        if week is not None and row["dismissed_at"] is None:
            resolved = row["resolved_at"]
            fixed.add(keys, week, resolved is not None and resolved < _midnight(row["due"]))
            if resolved is not None:
                fix_time.add(keys, week, max((resolved - row["created_at"]).total_seconds(), 0) / 86400)
        # Open and overdue at a week's end: opened before it, due by its Sunday, not closed before it.
        closed = row["resolved_at"] or row["dismissed_at"]
        opened = max(row["created_at"], _midnight(row["due"]))
        first = bisect.bisect_right(week_ends, opened)
        last = len(week_ends) if closed is None else bisect.bisect_right(week_ends, closed)
        for at in range(first, last):
            overdue.add(keys, at, 1)
    overdue_series = overdue.series(len, teams)
    for series in overdue_series:  # a week with none open and overdue is a measured zero
        series.values = [float(value or 0) for value in series.values]
    return [
        Kpi("fixed", _("Texts fixed in time"), "percent", _(
            "Share of the flags of changes taking effect that week that were resolved (a re-scan no longer found "
            "the old fact) before the day the change took effect. Dismissed flags do not count."
        ), fixed.series(_share_true, teams)),
        Kpi("fix_time", _("Time to fix a text"), "days", _(
            "Median days from a flag being opened to its text being fixed, over the resolved flags of changes "
            "taking effect that week."
        ), fix_time.series(_median, teams)),
        Kpi("overdue", _("Open overdue flags at the week's end"), "count", _(
            "Flags still open at the end of Sunday whose change had already taken effect."
        ), overdue_series),
    ]


def _digest_kpi(mondays, slugs, teams) -> Kpi:
    reads = digest_reads_by_week(weeks=[week_label(monday) for monday in mondays])
    agents = digest_agents()
    grid = _Grid(len(mondays))
    for at, monday in enumerate(mondays):
        week = week_label(monday)
        if week not in reads:
            continue  # no digest that week
        deadline = timezone.make_aware(datetime.datetime.combine(monday, DIGEST_READ_BY))
        for user_id, team_ids in agents.items():
            read_at = reads[week].get(user_id)
            on_time = read_at is not None and read_at <= deadline
            grid.add([OVERALL, *(slugs[team] for team in team_ids if team in slugs)], at, on_time)
    return Kpi("digest", _("Digest read by Monday 09:00"), "percent", _(
        "Share of today's agents who marked the week's digest as read by 09:00 on its Monday. Weeks without a "
        "digest have no value."
    ), grid.series(_share_true, teams))


def kpi_report(*, last_day: datetime.date, weeks: int = 12, team: Team | None = None) -> KpiReport:
    """Every KPI for the `weeks` ISO weeks ending with the week of `last_day`, for `team` or for all teams."""
    mondays = weeks_ending(last_day, weeks)
    chosen = [team] if team is not None else list(Team.objects.order_by("name"))
    slugs = {item.pk: item.slug for item in chosen}
    names = {item.slug: item.name for item in chosen}
    kpis = [
        *_change_kpis(mondays, slugs, names), *_flag_kpis(mondays, slugs, names), _digest_kpi(mondays, slugs, names),
    ]  # fmt: skip
    order = ["notice", "late", "handover", "acknowledge", "fixed", "fix_time", "digest", "overdue"]
    kpis.sort(key=lambda kpi: order.index(kpi.key))
    if team is not None:  # "all teams" would only repeat the one chosen
        for kpi in kpis:
            kpi.series = [series for series in kpi.series if series.key != OVERALL]
    return KpiReport(
        weeks=[week_label(monday) for monday in mondays], mondays=mondays, kpis=kpis, team_keys=list(names)
    )
