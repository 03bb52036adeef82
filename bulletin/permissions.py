"""Who may see and act on support texts and flags; pages and API share these rules.

Leads and staff see which agents read a digest. Members (leads and agents) and staff
read flags; agents and staff dismiss them.
Every signed-in user reads support texts; consumers of the API (users without a
membership, e.g. a help-desk sync account) and staff write them.
"""

from changes.models import Membership
from changes.permissions import lead_team_ids, member_team_ids


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


def can_see_digest_reads(user) -> bool:
    return user.is_staff or bool(lead_team_ids(user))
