"""What the site's navigation needs to know of the signed-in user beyond `user` itself."""

from dataclasses import dataclass

from django.utils.functional import SimpleLazyObject

from bulletin.permissions import navigation_rights


@dataclass
class Navigation:
    team_member: bool  # or staff: reads flags, support texts and the digest
    can_import_texts: bool


def navigation(request):
    # Lazy: one query, and only on pages that show the navigation.
    return {"nav": SimpleLazyObject(lambda: Navigation(*navigation_rights(request.user)))}
