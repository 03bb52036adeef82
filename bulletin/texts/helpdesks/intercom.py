"""Intercom: Help Center articles (`GET https://api.intercom.io/articles`: {"type": "list", "data": [...]})."""

from collections.abc import Iterator

from django.utils.translation import gettext_lazy as _

from bulletin.texts.helpdesks.base import HelpdeskFormat, Links, external_id, item_id, language, text, text_row

APP = "https://app.intercom.com"


def article_texts(item: dict, links: Links) -> Iterator[dict]:
    """One text per language of translated_content; an article without it is one text in its default locale."""
    pk = item_id(item)
    workspace = item.get("workspace_id")
    edit_url = f"{APP}/a/apps/{workspace}/articles/articles/{pk}/show" if pk and workspace else ""
    translated = item.get("translated_content") if isinstance(item.get("translated_content"), dict) else {}
    versions = {
        locale: content
        for locale, content in translated.items()
        if isinstance(content, dict) and (content.get("title") or content.get("body"))
    }
    for locale, version in (versions or {item.get("default_locale") or "": item}).items():
        yield text_row(
            external_id=external_id("article", pk, language(locale)),
            kind="faq",
            title=version.get("title"),
            body=version.get("body"),
            url=text(version.get("url")),
            edit_url=edit_url,
            helpdesk="intercom",
            language=language(locale),
            active=version.get("state") == "published",
        )


FORMATS = (
    HelpdeskFormat(
        name="intercom-articles",
        label=_("Intercom Help Center articles"),
        helpdesk="intercom",
        items_key="data",
        looks_like=lambda item: isinstance(item, dict) and item.get("type") == "article",
        texts=article_texts,
    ),
)
