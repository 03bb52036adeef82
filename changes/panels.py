"""Sections other apps add to a change's page without `changes` importing them.

An app registers a callable `(change, request) -> str | None` (rendered, safe HTML,
e.g. from render_to_string) in its AppConfig.ready(); change_detail shows the
results in registration order. A panel checks its own permissions.
"""

from collections.abc import Callable

from django.utils.safestring import SafeString

Panel = Callable[..., str | None]
_panels: dict[str, Panel] = {}


def panel_register(name: str, panel: Panel) -> None:
    """Register (or replace) the panel called `name`."""
    _panels[name] = panel


def panels_render(*, change, request) -> list[SafeString]:
    """The HTML of every registered panel that has something to show for this change."""
    rendered = []
    for panel in _panels.values():
        html = panel(change, request)
        if html:
            rendered.append(html)
    return rendered
