"""What every help-desk format declares: how to recognise its export, where its items are, how an item becomes texts.

Each vendor module describes its formats from the vendor's published API
documentation (tests/bulletin/fixtures/helpdesk/SOURCES.md names the pages). An
item becomes one row in the import's columns per language; an item without an id
or a text still becomes a row, so the import rejects it with its position and reason.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Links:
    """Builds the link back to where an agent edits an item: `--base-url`, else the help desk's own address
    as the item's URLs show it."""

    base_url: str = ""

    def admin(self, path: str, *, seen_at: object = "") -> str:
        base = self.base_url.rstrip("/") or origin(seen_at)
        return f"{base}{path}" if base else ""


@dataclass(frozen=True)
class HelpdeskFormat:
    name: str  # as given to --format, e.g. "zendesk-macros"
    label: str  # as the summary names it, e.g. "Zendesk macros"
    helpdesk: str  # a Helpdesk value
    # The document's key that holds the list of items; "" when the document is the list.
    items_key: str
    # Whether the first item is one of this format's (formats sharing an items key differ in their items).
    looks_like: Callable[[dict], bool]
    texts: Callable[[dict, Links], Iterator[dict]]
    # Read as one document rather than item by item (an answer whose records refer to each other),
    # recognised by its top-level keys.
    whole_document: Callable[[dict, Links], Iterator[dict]] | None = None
    document_keys: tuple[str, ...] = ()


def text_row(
    *,
    external_id: str,
    kind: str,
    title: object,
    body: object,
    helpdesk: str,
    url: str = "",
    edit_url: str = "",
    language: str = "",
    tags: object = (),
    active: bool = True,
) -> dict:
    """One row in the import's columns. Every column is named, so a text the help desk changed is compared whole
    (a column left out would keep its stored value)."""
    return {
        "external_id": external_id,
        "kind": kind,
        "title": title,
        "body": body,
        "url": url,
        "edit_url": edit_url,
        "helpdesk": helpdesk,
        "language": language,
        "tags": list(tags) if isinstance(tags, tuple) else tags,
        "active": active,
    }


def origin(url: object) -> str:
    """ "https://acme.zendesk.com" of any http(s) URL of that help desk; "" for anything else."""
    if not isinstance(url, str):
        return ""
    parts = urlsplit(url.strip())
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else ""


def item_id(item: dict) -> str:
    """The item's id as text; "" when it has none (the import then rejects the item)."""
    value = item.get("id")
    if isinstance(value, bool) or value is None:
        return ""
    return str(value).strip() if isinstance(value, int | str) else ""


def external_id(kind: str, *parts: object) -> str:
    """ "macro/360001", "article/42/de": unique per source, however many kinds and languages one help desk has."""
    if not parts or not parts[0]:
        return ""
    return "/".join([kind, *(str(part) for part in parts if part not in (None, ""))])


def text(value: object) -> str:
    return value if isinstance(value, str) else ""


def language(code: object) -> str:
    return code.strip().lower() if isinstance(code, str) else ""


def has_keys(item: dict, *names: str) -> bool:
    return isinstance(item, dict) and all(name in item for name in names)
