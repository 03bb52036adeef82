"""The "Texts to update" panel on a change's page (registered in changes/panels.py)."""

from django.template.loader import render_to_string

from bulletin.permissions import can_view_flags
from bulletin.texts.models import Flag
from changes.panels import panel_register


def flags_panel(change, request):
    if not can_view_flags(request.user):
        return None
    flags = list(change.flags.select_related("support_text").order_by("status", "support_text__title"))
    if not flags:
        return None
    open_count = sum(1 for flag in flags if flag.status == Flag.Status.OPEN)
    return render_to_string(
        "bulletin/_change_flags.html", {"flags": flags, "open_count": open_count, "change": change}, request=request
    )


def flags_panel_register() -> None:
    panel_register("bulletin.texts.flags", flags_panel)
