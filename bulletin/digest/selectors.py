"""Reading who read a digest, for its page."""

from django.contrib.auth import get_user_model

from bulletin.digest.models import DigestRead
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
