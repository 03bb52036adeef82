"""The live sync: support texts pulled from a help desk's REST API (Zendesk, Freshdesk) into SupportText.

One sync of one help desk at a time (HelpdeskSync.running_since, taken with a
conditional UPDATE). Items become rows through the vendor modules the file import
uses and go through the same import (support_texts_import, source = the help
desk's name), so an unchanged item writes nothing. What the APIs allow is asked
incrementally (Zendesk articles since the last sync); everything else is listed in
full, and after a full listing every text of that kind the help desk no longer
lists becomes inactive, its open flags dismissed.
"""

import datetime
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from bulletin.texts.flag_sync import QUERY_CHUNK, _in_service_language
from bulletin.texts.flags import flags_scan_texts_enqueue
from bulletin.texts.helpdesk_api import HelpdeskApiError, HelpdeskClient, helpdesk_client
from bulletin.texts.helpdesks import freshdesk, zendesk
from bulletin.texts.helpdesks.base import Links
from bulletin.texts.importing import ImportResult, support_texts_import
from bulletin.texts.models import Flag, Helpdesk, HelpdeskSync, SupportText

logger = logging.getLogger(__name__)

PAGE_SIZE = 100
# A pagination loop that never ends (a help desk answering the same next link again) stops here.
MAX_PAGES = 100_000
# Rejected rows kept in HelpdeskSync.last_counts for the import page; the count is always complete.
REJECTED_KEPT = 50


class SyncStatus:
    DONE = "done"
    ALREADY_RUNNING = "already_running"
    FAILED = "failed"


@dataclass
class SyncResult:
    helpdesk: str
    status: str = SyncStatus.DONE
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    flags_dismissed: int = 0
    requests: int = 0
    rejected: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    # The kinds listed in full this time ("macros", "articles", …); only those find deletions.
    listed_in_full: list[str] = field(default_factory=list)
    error: str = ""

    def counts(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deactivated": self.deactivated,
            "rejected": len(self.rejected),
            "flags_dismissed": self.flags_dismissed,
            "requests": self.requests,
            "listed_in_full": self.listed_in_full,
        }


@dataclass
class _Listing:
    """One kind of item read from the help desk; `rows` yields (position, row) for the import."""

    name: str  # "macros", "articles", "canned_responses": what the summary and the cursor call it
    prefix: str  # the external ids' first part (base.external_id), e.g. "macro"
    full: bool
    rows: Callable[["_Listing"], Iterator[tuple[str, dict]]]
    seen: set[str] = field(default_factory=set)
    cursor: int | None = None  # Zendesk's incremental end_time, once the listing has read to the end

    def read(self) -> Iterator[tuple[str, dict]]:
        for position, row in self.rows(self):
            if row.get("external_id"):
                self.seen.add(row["external_id"])
            yield position, row


def _lock_take(helpdesk: str, *, now: datetime.datetime) -> bool:
    """True when this sync holds the help desk's lock; a lock older than HELPDESK_SYNC_LOCK_MINUTES is stale
    (its worker was killed) and taken over."""
    HelpdeskSync.objects.get_or_create(helpdesk=helpdesk)
    stale = now - datetime.timedelta(minutes=settings.HELPDESK_SYNC_LOCK_MINUTES)
    return bool(
        HelpdeskSync.objects.filter(helpdesk=helpdesk)
        .filter(Q(running_since__isnull=True) | Q(running_since__lt=stale))
        .update(running_since=now, last_started_at=now)
    )


def _lock_release(helpdesk: str, *, taken_at: datetime.datetime, **fields) -> None:
    # Only our own lock: a sync that ran past the stale limit must not free the lock of the one that took over.
    HelpdeskSync.objects.filter(helpdesk=helpdesk, running_since=taken_at).update(running_since=None, **fields)


def helpdesk_sync(*, helpdesk: str, full: bool = False) -> SyncResult:
    """Bring the help desk's macros and articles into SupportText (source = the help desk's name).

    Idempotent: a second sync with nothing changed in the help desk writes no text.
    Returns status ALREADY_RUNNING, touching nothing, while another sync of the help
    desk runs. A failing API (HelpdeskApiError, after its retries) gives status FAILED
    and the reason in `error` and HelpdeskSync.last_error; what was imported before
    the failure stays (and is scanned), the cursor stays where the last success left
    it and nothing is deactivated. `full` lists Zendesk's articles in full too.
    Raises HelpdeskNotConfigured when the help desk's settings are missing.
    """
    client = helpdesk_client(helpdesk)
    taken_at = timezone.now()
    result = SyncResult(helpdesk=helpdesk)
    if not _lock_take(helpdesk, now=taken_at):
        result.status = SyncStatus.ALREADY_RUNNING
        return result
    finished: dict = {}
    try:
        state = HelpdeskSync.objects.get(helpdesk=helpdesk)
        listings = _listings(helpdesk, client=client, cursor=state.cursor, full=full, now=taken_at)
        imported = ImportResult()
        try:
            for listing in listings:
                support_texts_import(rows=listing.read(), source=helpdesk, result=imported)
        except HelpdeskApiError as error:
            result.status = SyncStatus.FAILED
            result.error = _in_service_language(lambda error=error: str(error))
            logger.warning("helpdesk_sync(%s) failed: %s", helpdesk, result.error)
        deactivated = [] if result.status == SyncStatus.FAILED else _deactivate_unseen(helpdesk, listings, now=taken_at)
        result.flags_dismissed = _dismiss_flags_of_inactive(
            helpdesk, [*imported.changed_ids, *deactivated], now=taken_at
        )
        flags_scan_texts_enqueue(text_ids=imported.changed_ids)

        result.created, result.updated, result.unchanged = imported.created, imported.updated, imported.unchanged
        result.rejected = [(str(position), reasons) for position, reasons in imported.rejected]
        result.deactivated, result.requests = len(deactivated), client.requests_made
        if result.status == SyncStatus.DONE:
            result.listed_in_full = [listing.name for listing in listings if listing.full]
        counts = {**result.counts(), "rejected_rows": [list(row) for row in result.rejected[:REJECTED_KEPT]]}
        finished = {"last_finished_at": timezone.now(), "last_counts": counts, "last_error": result.error}
        if result.status == SyncStatus.DONE:
            finished.update(
                last_success_at=finished["last_finished_at"], cursor=_cursor(state.cursor, listings, now=taken_at)
            )
        logger.info("helpdesk_sync(%s): %s", helpdesk, result.counts())
        return result
    except Exception as error:
        # A bug or the database going away: recorded for the import page, then raised as it is.
        finished = {"last_finished_at": timezone.now(), "last_error": f"{type(error).__name__}: {error}"}
        raise
    finally:
        _lock_release(helpdesk, taken_at=taken_at, **finished)


def _cursor(old: dict, listings: list[_Listing], *, now: datetime.datetime) -> dict:
    """Where the next sync starts: each incremental listing's end, and when each kind was last listed in full."""
    cursor = dict(old)
    for listing in listings:
        if listing.cursor is not None:
            cursor[listing.name] = listing.cursor
        if listing.full:
            cursor[f"{listing.name}_full_at"] = now.isoformat()
    return cursor


def _deactivate_unseen(helpdesk: str, listings: list[_Listing], *, now: datetime.datetime) -> list[int]:
    """Deactivate the active texts of each fully listed kind the help desk no longer lists; their ids."""
    gone: list[int] = []
    for listing in listings:
        # An empty full listing is far likelier an API user that lost its rights than a help desk that
        # deleted every macro: deactivating them all would dismiss every flag of that kind.
        if not listing.full or not listing.seen:
            continue
        texts = SupportText.objects.filter(
            source=helpdesk, active=True, external_id__startswith=f"{listing.prefix}/"
        ).values_list("pk", "external_id")
        gone.extend(pk for pk, external_id in texts.iterator() if external_id not in listing.seen)
    for start in range(0, len(gone), QUERY_CHUNK):
        SupportText.objects.filter(pk__in=gone[start : start + QUERY_CHUNK]).update(active=False, updated_at=now)
    return gone


def _dismiss_flags_of_inactive(helpdesk: str, text_ids: list[int], *, now: datetime.datetime) -> int:
    """Dismiss, with no person, the open flags of those texts that are inactive now.

    By Bulletin (dismissed_by_bulletin), so a text the help desk lists as active again
    has its flag reopened by the scan its import queues.
    """
    label = Helpdesk(helpdesk).label
    reason = _in_service_language(lambda: _("Deleted or deactivated in %(helpdesk)s.") % {"helpdesk": label})
    dismissed = 0
    for start in range(0, len(text_ids), QUERY_CHUNK):
        dismissed += Flag.objects.filter(
            support_text_id__in=text_ids[start : start + QUERY_CHUNK],
            support_text__active=False,
            status=Flag.Status.OPEN,
        ).update(
            status=Flag.Status.DISMISSED,
            dismissed_by=None,
            dismissed_by_bulletin=True,
            dismissed_at=now,
            dismiss_reason=reason,
            updated_at=now,
        )
    return dismissed


# --- Reading the help desks --------------------------------------------------------------------


def _listings(helpdesk: str, *, client: HelpdeskClient, cursor: dict, full: bool, now) -> list[_Listing]:
    links = Links(client.base_url)
    if helpdesk == Helpdesk.ZENDESK:
        articles_full = full or _full_listing_due(cursor, "articles", now=now)
        listings = [
            # The Macros API has no "changed since": listed in full every time (unchanged ones write nothing).
            _Listing("macros", "macro", True, lambda listing: _zendesk_macros(client, links)),
            _Listing(
                "articles",
                "article",
                articles_full,
                lambda listing: _zendesk_articles(client, links, listing=listing, cursor=cursor, now=now),
            ),
        ]
    else:
        # Freshdesk's lists have no changed-since filter: everything, every time.
        listings = [
            _Listing("canned_responses", "canned_response", True, lambda listing: _freshdesk_canned(client, links)),
            _Listing("articles", "article", True, lambda listing: _freshdesk_articles(client, links)),
        ]
    return listings


def _full_listing_due(cursor: dict, name: str, *, now) -> bool:
    """Whether the incremental listing must give way to a full one: none yet, or the last is too old.

    Zendesk's incremental article export leaves out deleted and archived articles
    without a trace; only a full listing finds them.
    """
    if cursor.get(name) is None or not cursor.get(f"{name}_full_at"):
        return True
    try:
        last = datetime.datetime.fromisoformat(cursor[f"{name}_full_at"])
    except (TypeError, ValueError):
        return True
    return now - last >= datetime.timedelta(hours=settings.HELPDESK_FULL_LISTING_HOURS)


def _rows(items: object, texts, links: Links, *, where: str) -> Iterator[tuple[str, dict]]:
    """(position, row) for each item of one page; an item that is not an object is a rejected row."""
    for index, item in enumerate(items if isinstance(items, list) else [], start=1):
        position = _("%(where)s, item %(item)s") % {"where": where, "item": index}
        if not isinstance(item, dict):
            yield position, {"__error__": _("Not an object.")}
            continue
        for row in texts(item, links):
            yield (row["external_id"] or position), row


def _page_label(name: str, page: int) -> str:
    return _("%(list)s page %(page)s") % {"list": name, "page": page}


def _zendesk_pages(client: HelpdeskClient, url: str, params: dict | None, key: str) -> Iterator[tuple[int, dict]]:
    """Each page of a Zendesk list, following offset (`next_page`) or cursor (`meta.has_more`, `links.next`)
    pagination, whichever the answer carries."""
    seen_urls: set[str] = set()
    for page in range(1, MAX_PAGES + 1):
        document, response = client.get_json(url, params=params)
        seen_urls.add(response.url)
        if not isinstance(document, dict) or not isinstance(document.get(key), list):
            raise HelpdeskApiError(url=response.url, status=response.status_code, reason="not_json")
        yield page, document
        meta, page_links = document.get("meta"), document.get("links")
        if isinstance(meta, dict) and "has_more" in meta:
            next_url = page_links.get("next") if meta["has_more"] and isinstance(page_links, dict) else None
        else:
            next_url = document.get("next_page")
        if not next_url or not isinstance(next_url, str) or next_url in seen_urls:
            return
        url, params = next_url, None


def _zendesk_macros(client: HelpdeskClient, links: Links) -> Iterator[tuple[str, dict]]:
    # Cursor pagination: the offset kind stops with a 400 after 10,000 records.
    params = {"page[size]": PAGE_SIZE}
    for page, document in _zendesk_pages(client, "/api/v2/macros.json", params, "macros"):
        yield from _rows(document["macros"], zendesk.macro_texts, links, where=_page_label("macros", page))


def _zendesk_articles(
    client: HelpdeskClient, links: Links, *, listing: _Listing, cursor: dict, now
) -> Iterator[tuple[str, dict]]:
    if listing.full:
        params = {"include": "translations", "per_page": PAGE_SIZE}
        for page, document in _zendesk_pages(client, "/api/v2/help_center/articles.json", params, "articles"):
            yield from _rows(document["articles"], zendesk.article_texts, links, where=_page_label("articles", page))
        # The next incremental listing starts where this one began: what changed meanwhile comes again.
        listing.cursor = int(now.timestamp())
        return
    start_time = cursor["articles"]
    params = {"start_time": start_time, "include": "translations"}
    url, end_time = "/api/v2/help_center/incremental/articles.json", start_time
    for page, document in _zendesk_pages(client, url, params, "articles"):
        yield from _rows(document["articles"], zendesk.article_texts, links, where=_page_label("articles", page))
        if isinstance(document.get("end_time"), int):
            end_time = document["end_time"]
        if not document["articles"]:
            break
    listing.cursor = end_time


def _freshdesk_pages(client: HelpdeskClient, path: str, params: dict | None = None) -> Iterator[tuple[int, list]]:
    """Each page of a Freshdesk list (a bare JSON array), following the `Link: <…>; rel="next"` header."""
    url, seen_urls = path, set()
    for page in range(1, MAX_PAGES + 1):
        document, response = client.get_json(url, params=params)
        seen_urls.add(response.url)
        if not isinstance(document, list):
            raise HelpdeskApiError(url=response.url, status=response.status_code, reason="not_json")
        yield page, document
        next_url = response.links.get("next", {}).get("url")
        if not next_url or next_url in seen_urls:
            return
        url, params = next_url, None


def _ids(items: list) -> Iterator[object]:
    for item in items:
        if isinstance(item, dict) and item.get("id") is not None:
            yield item["id"]


def _freshdesk_canned(client: HelpdeskClient, links: Links) -> Iterator[tuple[str, dict]]:
    for _page, folders in _freshdesk_pages(client, "/api/v2/canned_response_folders"):
        for folder_id in _ids(folders):
            path = f"/api/v2/canned_response_folders/{folder_id}/responses"
            for page, items in _freshdesk_pages(client, path):
                where = _page_label(f"canned_response_folders/{folder_id}", page)
                yield from _rows(items, freshdesk.canned_response_texts, links, where=where)


def _freshdesk_articles(client: HelpdeskClient, links: Links) -> Iterator[tuple[str, dict]]:
    for _page, categories in _freshdesk_pages(client, "/api/v2/solutions/categories"):
        for category_id in _ids(categories):
            folders_path = f"/api/v2/solutions/categories/{category_id}/folders"
            for _folder_page, folders in _freshdesk_pages(client, folders_path):
                for folder_id in _ids(folders):
                    path = f"/api/v2/solutions/folders/{folder_id}/articles"
                    for page, items in _freshdesk_pages(client, path, {"per_page": PAGE_SIZE, "page": 1}):
                        where = _page_label(f"solutions/folders/{folder_id}", page)
                        yield from _rows(items, freshdesk.article_texts, links, where=where)
