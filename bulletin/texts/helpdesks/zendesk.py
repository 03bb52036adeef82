"""Zendesk: macros (`GET /api/v2/macros.json`) and Help Center articles (`GET /api/v2/help_center/articles.json`)."""

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

REPLY_FIELDS = ("comment_value_html", "comment_value")


def macro_reply(actions: object) -> str:
    """The reply a macro writes: its comment_value_html action, else its comment_value.

    A comment_value may also be a list whose last entry is the text (["channel:all", "…"]).
    """
    found: dict[str, str] = {}
    for action in actions if isinstance(actions, list) else []:
        if not isinstance(action, dict) or action.get("field") not in REPLY_FIELDS:
            continue
        value = action.get("value")
        if isinstance(value, list):
            value = next((part for part in reversed(value) if isinstance(part, str)), "")
        found.setdefault(action["field"], text(value))
    return next((found[name] for name in REPLY_FIELDS if found.get(name, "").strip()), "")


def macro_texts(item: dict, links: Links) -> Iterator[dict]:
    pk = item_id(item)
    yield text_row(
        external_id=external_id("macro", pk),
        kind="macro",
        title=item.get("title"),
        body=macro_reply(item.get("actions")),
        edit_url=links.admin(f"/admin/workspaces/agent-workspace/macros/{pk}", seen_at=item.get("url")) if pk else "",
        helpdesk="zendesk",
        active=item.get("active") is not False,
    )


def article_texts(item: dict, links: Links) -> Iterator[dict]:
    """One text per language: the article's translations when the export includes them, else its own locale."""
    pk = item_id(item)
    translations = item.get("translations")
    versions = [t for t in translations if isinstance(t, dict)] if isinstance(translations, list) else []
    for version in versions or [item]:
        locale = language(version.get("locale") or item.get("locale"))
        html_url = text(version.get("html_url") or item.get("html_url"))
        seen_at = html_url or item.get("url")
        yield text_row(
            external_id=external_id("article", pk, locale),
            kind="faq",
            title=version.get("title"),
            body=version.get("body"),
            url=html_url,
            edit_url=links.admin(f"/knowledge/articles/{pk}/{locale}", seen_at=seen_at) if pk and locale else "",
            helpdesk="zendesk",
            language=locale,
            tags=item.get("label_names") or [],
            active=version.get("draft") is not True,
        )


FORMATS = (
    HelpdeskFormat(
        name="zendesk-macros",
        label=_("Zendesk macros"),
        helpdesk="zendesk",
        items_key="macros",
        looks_like=lambda item: has_keys(item, "actions"),
        texts=macro_texts,
    ),
    HelpdeskFormat(
        name="zendesk-articles",
        label=_("Zendesk Help Center articles"),
        helpdesk="zendesk",
        items_key="articles",
        looks_like=lambda item: has_keys(item, "body") or has_keys(item, "translations"),
        texts=article_texts,
    ),
)
