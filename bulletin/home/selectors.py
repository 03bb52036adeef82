"""The home page: what is true for customers today, what starts soon and what just ended, and what waits on
the reader's teams (open flags, handovers to confirm). A fixed number of queries, whatever the data."""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Q

from bulletin.texts.selectors import open_flag_counts_by_owner_team
from changes.models import Change, Channel, Membership, State
from changes.permissions import changes_visible_to

UPCOMING_DAYS = 14
RECENTLY_ENDED_DAYS = 7
HANDOVERS_LISTED = 10


@dataclass
class ChannelGroup:
    channel: str
    label: str
    changes: list = field(default_factory=list)


@dataclass
class TeamFlagCounts:
    team: object
    open: int = 0
    overdue: int = 0


@dataclass
class Home:
    today: datetime.date
    in_effect: list[Change]
    by_channel: list[ChannelGroup]
    upcoming: list[Change]
    ended: list[Change]
    handovers: list[Change]
    handovers_total: int
    handovers_urgent: int
    team_flags: list[TeamFlagCounts]


def _window(user, today: datetime.date):
    """Published changes in effect today, starting within UPCOMING_DAYS, or ended within RECENTLY_ENDED_DAYS."""
    first_ended = today - datetime.timedelta(days=RECENTLY_ENDED_DAYS)
    last_start = today + datetime.timedelta(days=UPCOMING_DAYS)
    return (
        changes_visible_to(user)
        .filter(status=Change.Status.PUBLISHED, effective_from__lte=last_start)
        .filter(Q(effective_until__isnull=True) | Q(effective_until__gte=first_ended))
        .select_related("team")
        .prefetch_related("fact_changes")
        .order_by("effective_from", "id")
    )


def _by_channel(changes: list[Change]) -> list[ChannelGroup]:
    groups = {value: ChannelGroup(value, label) for value, label in Channel.choices}
    for change in changes:
        for channel in change.channels:
            if channel in groups:
                groups[channel].changes.append(change)
    return [group for group in groups.values() if group.changes]


def _team_flags(user) -> list[TeamFlagCounts]:
    memberships = Membership.objects.filter(user=user).select_related("team").order_by("team__name")
    teams = [membership.team for membership in memberships]
    counts = open_flag_counts_by_owner_team(user=user, team_ids=[team.pk for team in teams])
    return [TeamFlagCounts(team, **counts.get(team.pk, {})) for team in teams]


def home_for(user, today: datetime.date) -> Home:
    changes = list(_window(user, today))
    in_effect = [change for change in changes if change.state == State.IN_EFFECT]
    awaiting = changes_visible_to(user).awaiting_handover(today)
    handovers = list(awaiting.select_related("team").order_by("effective_from", "id")[:HANDOVERS_LISTED])
    # Change.handover_is_urgent: fewer than BULLETIN_MIN_NOTICE_DAYS days left.
    urgent_until = today + datetime.timedelta(days=settings.BULLETIN_MIN_NOTICE_DAYS - 1)
    totals = awaiting.aggregate(total=Count("pk"), urgent=Count("pk", filter=Q(effective_from__lte=urgent_until)))
    return Home(
        today=today,
        in_effect=in_effect,
        by_channel=_by_channel(in_effect),
        upcoming=[change for change in changes if change.state == State.PLANNED],
        ended=sorted(
            (change for change in changes if change.state == State.ENDED),
            key=lambda change: (change.effective_until, change.pk),
            reverse=True,
        ),
        handovers=handovers,
        handovers_total=totals["total"],
        handovers_urgent=totals["urgent"],
        team_flags=_team_flags(user) if user.is_authenticated else [],
    )
