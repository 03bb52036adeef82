"""What the site's navigation needs to know of the signed-in user beyond `user` itself."""

from dataclasses import dataclass

from django.utils.functional import SimpleLazyObject

from bulletin.permissions import navigation_rights


@dataclass
class Navigation:
    team_member: bool  # or staff: reads flags, support texts and the digest
    can_import_texts: bool
    can_see_kpis: bool
    current: str  # the section the page belongs to, which the navigation marks


def _section(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    if match.view_name == "texts:import":
        return "import"
    return match.namespace or match.url_name or ""


def navigation(request):
    # Lazy: one query, and only on pages that show the navigation.
    return {"nav": SimpleLazyObject(lambda: Navigation(*navigation_rights(request.user), _section(request)))}
