"""Reading who read a digest, for its page and the KPIs."""

from django.contrib.auth import get_user_model

from bulletin.digest.models import Digest, DigestRead
from changes.models import Membership


def digest_agent_reads(*, digest) -> list[tuple]:
    """Every active agent with the time they marked `digest` read (None if not), by username."""
    reads = dict(DigestRead.objects.filter(digest=digest).values_list("user_id", "read_at"))
    agents = (
        get_user_model()
        .objects.filter(is_active=True, memberships__role=Membership.Role.AGENT)
        .distinct()
        .order_by("username")
    )
    return [(agent, reads.get(agent.pk)) for agent in agents]


def digest_reads_by_week(*, weeks) -> dict[str, dict[int, object]]:
    """{week ("2026-W48"): {user id: read at}} for the digests of `weeks` that exist; one query."""
    found: dict[str, dict[int, object]] = {week: {} for week in Digest.objects.filter(week__in=weeks).values_list(
        "week", flat=True
    )}
    rows = DigestRead.objects.filter(digest__week__in=weeks).values_list("digest__week", "user_id", "read_at")
    for week, user_id, read_at in rows:
        found[week][user_id] = read_at
    return found


def digest_agents() -> dict[int, set[int]]:
    """{user id: ids of the teams they are an agent of} for every active agent: who the digest is for."""
    agents: dict[int, set[int]] = {}
    rows = Membership.objects.filter(role=Membership.Role.AGENT, user__is_active=True).values_list("user_id", "team_id")
    for user_id, team_id in rows:
        agents.setdefault(user_id, set()).add(team_id)
    return agents
