"""What the subscription pages of notifications need to know of teams and changes, which notifications may not
import: whose Slack channels and webhooks a person manages, and what the filters can be set to.

A team's subscriptions have the scope "team:<slug>" (the slug, as the teams filter stores it). Its leads manage
them, and staff every team's: the rule for filing the team's changes. A new one hears every team until a lead
narrows it: the support channel wants everything, and a team's own channel is one tick away.

Registered once from BulletinConfig.ready().
"""

from django.utils.translation import gettext as _

from changes.models import Category, Change, Channel, Team
from changes.permissions import teams_user_may_file_for
from notifications.subscriptions import subscription_filter_choices_register, subscription_scopes_register

TEAM_SCOPE = "team:"


def team_scope(team: Team) -> str:
    return f"{TEAM_SCOPE}{team.slug}"


def _team_scopes(user) -> dict[str, str]:
    return {team_scope(team): _("Team %(name)s") % {"name": team.name} for team in teams_user_may_file_for(user)}


def _teams() -> list[tuple[str, str]]:
    return list(Team.objects.order_by("name").values_list("slug", "name"))


def _tags() -> list[tuple[str, str]]:
    # The tags of changes people can read (not drafts); a subscription matches a tag exactly as it is written.
    tags = {tag for tag_list in Change.objects.exclude(status=Change.Status.DRAFT).values_list("tags", flat=True)
            for tag in tag_list or []}
    return [(tag, tag) for tag in sorted(tags, key=str.casefold)]


def subscriptions_register() -> None:
    subscription_scopes_register(_team_scopes)
    subscription_filter_choices_register("teams", _teams)
    subscription_filter_choices_register("categories", lambda: list(Category.choices))
    subscription_filter_choices_register("channels", lambda: list(Channel.choices))
    subscription_filter_choices_register("tags", _tags)
