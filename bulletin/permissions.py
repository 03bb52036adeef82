"""Who may see and act on support texts and flags; pages and API share these rules.

Leads and staff see which agents read a digest. Members (leads and agents) and staff
read flags; agents and staff dismiss them.
Every signed-in user reads support texts; consumers of the API (users without a
membership, e.g. a help-desk sync account) and staff write them. Staff and the leads
of support teams (Team.handles_support) import them on the import page.
"""

from changes.models import Membership
from changes.permissions import lead_team_ids, leads_support, member_team_ids


def can_view_flags(user) -> bool:
    return user.is_authenticated and (user.is_staff or bool(member_team_ids(user)))


def can_dismiss_flags(user) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    cached = getattr(user, "_is_agent", None)
    if cached is None:
        cached = Membership.objects.filter(user=user, role=Membership.Role.AGENT).exists()
        user._is_agent = cached
    return cached


def can_write_support_texts(user) -> bool:
    return user.is_authenticated and (user.is_staff or not member_team_ids(user))


def can_import_support_texts(user) -> bool:
    return user.is_authenticated and (user.is_staff or leads_support(user))


def navigation_rights(user) -> tuple[bool, bool, bool]:
    """(reads flags and texts, imports texts, sees the KPIs) in one query: the site's navigation asks on every
    page."""
    if not user.is_authenticated:
        return False, False, False
    if user.is_staff:
        return True, True, True
    roles = list(Membership.objects.filter(user=user).values_list("role", "team__handles_support"))
    user._leads_support = any(role == Membership.Role.LEAD and support for role, support in roles)
    return bool(roles), user._leads_support, any(role == Membership.Role.LEAD for role, _support in roles)


def can_see_digest_reads(user) -> bool:
    return user.is_staff or bool(lead_team_ids(user))


def can_see_kpis(user) -> bool:
    """Leads of any team (support leads too) and staff: the KPIs measure how teams hand changes over."""
    return user.is_authenticated and (user.is_staff or bool(lead_team_ids(user)))
