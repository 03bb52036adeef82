"""Gorgias: macros (`GET /api/macros`: {"data": [...], "meta": {"next_cursor": …}})."""

from collections.abc import Iterator

from django.utils.translation import gettext_lazy as _

from bulletin.texts.helpdesks.base import (
    HelpdeskFormat,
    Links,
    external_id,
    has_keys,
    item_id,
    language,
    text,
    text_row,
)

REPLY_ACTION = "setResponseText"


def macro_reply(actions: object) -> str:
    for action in actions if isinstance(actions, list) else []:
        if isinstance(action, dict) and action.get("name") == REPLY_ACTION:
            arguments = action.get("arguments") if isinstance(action.get("arguments"), dict) else {}
            return text(arguments.get("body_html")) or text(arguments.get("body_text"))
    return ""


def macro_texts(item: dict, links: Links) -> Iterator[dict]:
    pk = item_id(item)
    tags = item.get("tags") if isinstance(item.get("tags"), list) else []
    yield text_row(
        external_id=external_id("macro", pk),
        kind="macro",
        title=item.get("name"),
        body=macro_reply(item.get("actions")),
        edit_url=links.admin(f"/app/settings/macros/{pk}") if pk else "",
        helpdesk="gorgias",
        language=language(item.get("language")),
        tags=[tag.get("name") if isinstance(tag, dict) else tag for tag in tags],
        active=not item.get("archived_datetime"),
    )


FORMATS = (
    HelpdeskFormat(
        name="gorgias-macros",
        label=_("Gorgias macros"),
        helpdesk="gorgias",
        items_key="data",
        looks_like=lambda item: has_keys(item, "actions", "name") and item.get("type") != "article",
        texts=macro_texts,
    ),
)
