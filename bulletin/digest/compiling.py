"""Compiling the weekly digest: what changes this week that the customer will feel.

The sections (bulletin/digest/sections.py) are built from the week's changes and
stored with the Markdown and HTML, both written in settings.LANGUAGE_CODE; the
web page renders the sections itself, so it follows the reader's language.
"""

import datetime
import hashlib
import json
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation

from bulletin.digest.models import Digest
from bulletin.digest.rendering import digest_html, digest_markdown, digest_page_url
from bulletin.digest.sections import (
    COMING_UP_DAYS,
    Section,
    WeekWindow,
    sections_build,
    sections_change_ids,
    sections_to_json,
)
from bulletin.weeks import week_label, week_monday
from changes.models import Change

# --- Compiling --------------------------------------------------------------------


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def week_window(*, monday: datetime.date, now: datetime.datetime) -> WeekWindow:
    """Fetch the changes a week's digest is made of, in two queries plus one for fact changes."""
    sunday = monday + datetime.timedelta(days=6)
    horizon = sunday + datetime.timedelta(days=COMING_UP_DAYS)
    published = list(
        Change.objects.active_between(monday, horizon).select_related("team").prefetch_related("fact_changes")
    )
    previous = (
        Digest.objects.filter(monday__lt=monday).order_by("-monday").values_list("compiled_at", flat=True).first()
    )
    since = previous or _start_of(monday - datetime.timedelta(days=7))
    until = min(now, _start_of(sunday + datetime.timedelta(days=1)))
    withdrawn = list(
        Change.objects.filter(status=Change.Status.WITHDRAWN, withdrawn_at__gte=since, withdrawn_at__lte=until)
        .filter(Q(effective_until__isnull=True) | Q(effective_until__gte=monday - datetime.timedelta(days=7)))
        .select_related("team")
        .prefetch_related("fact_changes")
    )
    return WeekWindow(monday=monday, now=now, published=published, withdrawn=withdrawn)


@dataclass
class DigestContent:
    week: str
    monday: datetime.date
    sections: list[Section]
    markdown: str
    html: str
    change_ids: list[int] = field(default_factory=list)

    @property
    def sections_json(self) -> list[dict]:
        return sections_to_json(self.sections)

    @property
    def content_hash(self) -> str:
        body = json.dumps({"sections": self.sections_json, "markdown": self.markdown}, sort_keys=True, default=str)
        return hashlib.sha256(body.encode()).hexdigest()


def digest_content_build(*, monday: datetime.date, now: datetime.datetime | None = None) -> DigestContent:
    """Compute (without storing) the digest of the week starting `monday`, in settings.LANGUAGE_CODE."""
    now = now or timezone.now()
    week = week_label(monday)
    with translation.override(settings.LANGUAGE_CODE):
        sections = sections_build(week_window(monday=monday, now=now))
        markdown = digest_markdown(week=week, monday=monday, sections=sections)
        # `now` is the compiled_at stored with this content (see digest_compile).
        html = digest_html(week=week, monday=monday, sections=sections, url=digest_page_url(week), compiled_at=now)
    return DigestContent(
        week=week,
        monday=monday,
        sections=sections,
        markdown=markdown,
        html=html,
        change_ids=sections_change_ids(sections),
    )


@dataclass
class DigestCompiled:
    digest: Digest
    created: bool
    changed: bool  # a new digest or a new revision


def digest_compile(*, week: str | None = None) -> DigestCompiled:
    """Compile and store the digest of `week` ("2026-W48"; the current week by default).

    Idempotent: compiling again without a change in content leaves the row,
    its revision and compiled_at alone; a change in content updates the row and
    bumps the revision. Race-safe: two compilations of one week end with one
    row (unique week; the row is locked while compared). Raises ValueError for
    a malformed week.
    """
    today = timezone.localdate()
    monday = week_monday(week) if week else today - datetime.timedelta(days=today.weekday())
    now = timezone.now()
    content = digest_content_build(monday=monday, now=now)
    fields = {
        "monday": content.monday,
        "sections": content.sections_json,
        "markdown": content.markdown,
        "html": content.html,
        "content_hash": content.content_hash,
    }
    with transaction.atomic():
        # get_or_create retries the get after an IntegrityError from a concurrent insert.
        digest, created = Digest.objects.select_for_update().get_or_create(
            week=content.week, defaults={**fields, "compiled_at": now, "revision": 1}
        )
        if created:
            digest.changes.set(content.change_ids)
            return DigestCompiled(digest=digest, created=True, changed=True)
        if digest.content_hash == content.content_hash:
            return DigestCompiled(digest=digest, created=False, changed=False)
        for name, value in fields.items():
            setattr(digest, name, value)
        digest.compiled_at = now
        digest.revision += 1
        digest.save()
        digest.changes.set(content.change_ids)
        return DigestCompiled(digest=digest, created=False, changed=True)

