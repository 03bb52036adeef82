"""Who may see and do what with changes; the web pages and the API share these rules.

Leads file, edit, publish and withdraw changes of their own teams; leads of support teams confirm
handovers. Every signed-in user reads published and withdrawn changes; drafts stay with the filing team
and staff.
"""

from django.db.models import Q

from changes.models import Change, Membership, State, Team


def lead_team_ids(user) -> set[int]:
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_lead_team_ids", None)
    if cached is None:
        cached = set(
            Membership.objects.filter(user=user, role=Membership.Role.LEAD).values_list("team_id", flat=True)
        )
        user._lead_team_ids = cached
    return cached


def member_team_ids(user) -> set[int]:
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_member_team_ids", None)
    if cached is None:
        cached = set(Membership.objects.filter(user=user).values_list("team_id", flat=True))
        user._member_team_ids = cached
    return cached


def leads_support(user) -> bool:
    """A lead of a support team: the one who confirms a handover for support."""
    if not user.is_authenticated:
        return False
    cached = getattr(user, "_leads_support", None)
    if cached is None:
        cached = Membership.objects.filter(
            user=user, role=Membership.Role.LEAD, team__handles_support=True
        ).exists()
        user._leads_support = cached
    return cached


def can_acknowledge(user, change: Change) -> bool:
    """Confirm the handover of a published change that has not ended: support leads only, not staff as such,
    because the confirmation says that support has taken the change over."""
    return change.state in (State.PLANNED, State.IN_EFFECT) and leads_support(user)


def teams_user_may_file_for(user):
    if user.is_staff:
        return Team.objects.all()
    return Team.objects.filter(pk__in=lead_team_ids(user))


def can_file(user) -> bool:
    return user.is_authenticated and (user.is_staff or bool(lead_team_ids(user)))


def can_manage(user, change: Change) -> bool:
    """Edit, publish and withdraw."""
    return user.is_authenticated and (user.is_staff or change.team_id in lead_team_ids(user))


def can_view(user, change: Change) -> bool:
    if not user.is_authenticated:
        return False
    if change.status != Change.Status.DRAFT or user.is_staff:
        return True
    return change.team_id in member_team_ids(user)


def changes_visible_to(user):
    queryset = Change.objects.all()
    if user.is_staff:
        return queryset
    return queryset.filter(~Q(status=Change.Status.DRAFT) | Q(team_id__in=member_team_ids(user)))
