"""Zammad: text modules (`GET /api/v1/text_modules`, a plain list) and knowledge-base answers (the assets of
`POST /api/v1/knowledge_bases/init`: every record keyed by its model's name and id)."""

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


def text_module_texts(item: dict, links: Links) -> Iterator[dict]:
    pk = item_id(item)
    keywords = text(item.get("keywords"))
    yield text_row(
        external_id=external_id("text_module", pk),
        kind="macro",
        title=item.get("name"),
        body=item.get("content"),
        # Zammad edits a text module in a dialog over its list; the list is the closest address there is.
        edit_url=links.admin("/#manage/text_modules") if pk else "",
        helpdesk="zammad",
        tags=[word for word in keywords.replace(",", " ").split() if word][:50],
        active=item.get("active") is not False,
    )


def _records(document: dict, model: str) -> dict:
    records = document.get(model)
    return records if isinstance(records, dict) else {}


def kb_answer_texts(document: dict, links: Links) -> Iterator[dict]:
    """One text per answer translation. Its language needs the system locales (`Locale`), which the answer
    holds only when asked for them; without them a translation is told apart by its knowledge-base locale."""
    answers = _records(document, "KnowledgeBaseAnswer")
    contents = _records(document, "KnowledgeBaseAnswerTranslationContent")
    kb_locales = _records(document, "KnowledgeBaseLocale")
    system_locales = _records(document, "Locale")
    translations = _records(document, "KnowledgeBaseAnswerTranslation").values()
    for translation in sorted((t for t in translations if isinstance(t, dict)), key=lambda t: str(t.get("id"))):
        answer = answers.get(str(translation.get("answer_id"))) or {}
        content = contents.get(str(translation.get("content_id"))) or {}
        kb_locale = kb_locales.get(str(translation.get("kb_locale_id"))) or {}
        locale = language((system_locales.get(str(kb_locale.get("system_locale_id"))) or {}).get("locale"))
        pk, kb = item_id(answer), kb_locale.get("knowledge_base_id")
        edit_path = f"/#knowledge_base/{kb}/locale/{locale}/answer/{pk}/edit" if pk and kb and locale else ""
        yield text_row(
            external_id=external_id("answer", pk, locale or f"kb-locale-{translation.get('kb_locale_id')}"),
            kind="faq",
            title=translation.get("title"),
            body=content.get("body"),
            edit_url=links.admin(edit_path) if edit_path else "",
            helpdesk="zammad",
            language=locale,
            tags=[tag for tag in answer.get("tags") or [] if isinstance(tag, str)],
            # Internal answers are for agents, published ones for customers; drafts and archived ones for nobody.
            active=not answer.get("archived_at") and bool(answer.get("published_at") or answer.get("internal_at")),
        )


FORMATS = (
    HelpdeskFormat(
        name="zammad-text-modules",
        label=_("Zammad text modules"),
        helpdesk="zammad",
        items_key="",
        looks_like=lambda item: has_keys(item, "name", "content") and ("keywords" in item or "group_ids" in item),
        texts=text_module_texts,
    ),
    HelpdeskFormat(
        name="zammad-kb-answers",
        label=_("Zammad knowledge-base answers"),
        helpdesk="zammad",
        items_key="",
        looks_like=lambda item: False,
        texts=lambda item, links: iter(()),
        whole_document=kb_answer_texts,
        document_keys=("KnowledgeBaseAnswer", "KnowledgeBaseAnswerTranslation"),
    ),
)
