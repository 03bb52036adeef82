"""Freshdesk: canned responses (`GET /api/v2/canned_response_folders/{id}/responses`) and solution articles
(`GET /api/v2/solutions/folders/{id}/articles`). Both answer with a plain list of items."""

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

PUBLISHED = 2  # an article's status: 1 draft, 2 published


def canned_response_texts(item: dict, links: Links) -> Iterator[dict]:
    pk = item_id(item)
    folder = item.get("folder_id")
    edit_path = f"/a/admin/canned_responses/folders/{folder}/responses/{pk}/edit" if folder else ""
    yield text_row(
        external_id=external_id("canned_response", pk),
        kind="macro",
        title=item.get("title"),
        body=text(item.get("content_html")) or text(item.get("content")),
        edit_url=links.admin(edit_path) if pk and edit_path else "",
        helpdesk="freshdesk",
        # Canned responses have no active flag; every one in the export is in use.
        active=True,
    )


def article_texts(item: dict, links: Links) -> Iterator[dict]:
    pk = item_id(item)
    # A multilingual portal names the language; the default language's list does not.
    locale = language(item.get("language"))
    yield text_row(
        external_id=external_id("article", pk, locale),
        kind="faq",
        title=item.get("title"),
        body=text(item.get("description")) or text(item.get("description_text")),
        url=links.admin(f"/support/solutions/articles/{pk}") if pk else "",
        edit_url=links.admin(f"/a/solutions/articles/{pk}") if pk else "",
        helpdesk="freshdesk",
        language=locale,
        tags=item.get("tags") or [],
        active=item.get("status") == PUBLISHED,
    )


FORMATS = (
    HelpdeskFormat(
        name="freshdesk-canned-responses",
        label=_("Freshdesk canned responses"),
        helpdesk="freshdesk",
        items_key="",
        looks_like=lambda item: has_keys(item, "folder_id") and ("content_html" in item or "content" in item),
        texts=canned_response_texts,
    ),
    HelpdeskFormat(
        name="freshdesk-articles",
        label=_("Freshdesk solution articles"),
        helpdesk="freshdesk",
        items_key="",
        looks_like=lambda item: has_keys(item, "folder_id", "status") and "description" in item,
        texts=article_texts,
    ),
)
