"""Creating people and teams from the command line and the demo data."""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email, validate_slug
from django.db import transaction

from changes.models import Membership, Team


@dataclass
class MemberResult:
    user: object
    team: Team
    membership: Membership
    done: list[str] = field(default_factory=list)

    def report(self) -> list[str]:
        return self.done or [f"Nothing to do: {self.user} is already {self.membership.role} of {self.team.slug}."]


@transaction.atomic
def member_add(
    *, username: str, team_slug: str, role: str, email: str = "", team_name: str = "", password: str | None = None
) -> MemberResult:
    """Make `username` a `role` of the team `team_slug`, creating either when missing.

    Idempotent: a second call with the same arguments changes nothing. A password
    is only set when given and different from the current one; without one a new
    account has no usable password. Raises ValueError on bad input.
    """
    if role not in Membership.Role.values:
        raise ValueError(f"Role must be one of {', '.join(Membership.Role.values)}, not {role!r}.")
    try:
        validate_slug(team_slug)
        if email:
            validate_email(email)
    except ValidationError as error:
        raise ValueError(" ".join(error.messages)) from None
    if not username.strip():
        raise ValueError("The username may not be empty.")

    done = []
    team, created = Team.objects.get_or_create(
        slug=team_slug, defaults={"name": team_name or team_slug.replace("-", " ").title()}
    )
    if created:
        done.append(f"Created team {team.slug} ({team.name}).")

    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults={"email": email})
    if created:
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        done.append(f"Created user {username}.")
    else:
        update_fields = []
        if email and user.email != email:
            user.email = email
            update_fields.append("email")
        if password and not user.check_password(password):
            user.set_password(password)
            update_fields.append("password")
        if update_fields:
            user.save(update_fields=update_fields)
            done.append(f"Updated {', '.join(update_fields)} of {username}.")

    membership, created = Membership.objects.get_or_create(user=user, team=team, defaults={"role": role})
    if created:
        done.append(f"Made {username} {role} of {team.slug}.")
    elif membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
        done.append(f"Changed {username} to {role} of {team.slug}.")
    return MemberResult(user=user, team=team, membership=membership, done=done)
