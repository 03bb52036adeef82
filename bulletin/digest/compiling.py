"""Compiling the weekly digest: what changes this week that the customer will feel.

A digest is a list of sections, each made by one builder in SECTION_BUILDERS.
Change sections group their entries by category, most severe first. Another
kind of section (support texts to update) slots in by appending a builder.
The stored Markdown and HTML are written in settings.LANGUAGE_CODE; the web
page renders the `sections` data itself, so it follows the reader's language.
"""

import datetime
import hashlib
import html
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from bulletin.digest.models import Digest
from bulletin.texts.selectors import flags_for_digest
from bulletin.weeks import week_label, week_monday
from changes.models import SEVERITY_RANK, Category, Change, Channel, Severity
from changes.rendering import sanitize_html

COMING_UP_DAYS = 14


@dataclass
class WeekWindow:
    """Everything a section builder needs, fetched once per compilation."""

    monday: datetime.date
    now: datetime.datetime
    published: list[Change]  # published changes touching monday … sunday + COMING_UP_DAYS
    withdrawn: list[Change]  # withdrawn since the previous digest

    @property
    def sunday(self) -> datetime.date:
        return self.monday + datetime.timedelta(days=6)

    @property
    def horizon(self) -> datetime.date:
        return self.sunday + datetime.timedelta(days=COMING_UP_DAYS)


@dataclass(frozen=True)
class SectionBuilder:
    key: str
    title: object  # lazy translation
    build: Callable[[WeekWindow], list]
    # "changes": build returns Change objects, rendered as entries grouped by category.
    # Anything else: build returns ready entry dicts with at least "title" and "url".
    kind: str = "changes"


def _starting(window: WeekWindow) -> list[Change]:
    return [c for c in window.published if window.monday <= c.effective_from <= window.sunday]


def _ending(window: WeekWindow) -> list[Change]:
    # Started before the week: a change starting and ending within it is listed as starting.
    return [
        c
        for c in window.published
        if c.effective_from < window.monday
        and c.effective_until is not None
        and window.monday <= c.effective_until <= window.sunday
    ]


def _still_in_effect(window: WeekWindow) -> list[Change]:
    return [
        c
        for c in window.published
        if c.effective_from < window.monday and (c.effective_until is None or c.effective_until > window.sunday)
    ]


def _coming_up(window: WeekWindow) -> list[Change]:
    return [c for c in window.published if window.sunday < c.effective_from <= window.horizon]


def _withdrawn(window: WeekWindow) -> list[Change]:
    return list(window.withdrawn)


# The digest is read, not worked through: past this many texts it points to the queue instead
# (a first import can flag thousands, which made every agent's e-mail megabytes long).
TEXTS_TO_UPDATE_SHOWN = 50


def _texts_to_update(window: WeekWindow) -> list[dict]:
    """Open flags of the week's changes: per owner team, overdue first (see flags_for_digest); at most
    TEXTS_TO_UPDATE_SHOWN, then one entry linking to the queue with the rest.

    The entries keep their parts, not a finished line, so a page shows them in its reader's language.
    """
    entries, total = [], 0
    for group in flags_for_digest(changes=[change.pk for change in window.published]):
        total += len(group.flags)
        for flag in group.flags[: max(0, TEXTS_TO_UPDATE_SHOWN - len(entries))]:
            entries.append(
                {
                    "title": flag.support_text.title,
                    "url": settings.SITE_URL + flag.get_absolute_url(),
                    "overdue": flag.overdue,
                    "team": group.team.name if group.team else "—",
                    "old_text": flag.old_text,
                    "new_text": flag.new_text,
                    "change": flag.change.title,
                }
            )
    if total > len(entries):
        queue = settings.SITE_URL + reverse("flags:list") + "?status=open"
        entries.append({"url": queue, "overdue": False, "more": total - len(entries)})
    return [text_entry_worded(entry) for entry in entries]


def text_entry_worded(entry: dict) -> dict:
    """A "Texts to update" entry with its title and detail line in the active language."""
    if "more" in entry:
        count = entry["more"]
        title = ngettext("%(count)s more text to update", "%(count)s more texts to update", count) % {"count": count}
        return {**entry, "title": title, "detail": _("in the flags queue")}
    if "old_text" not in entry:  # compiled before the parts were kept: its line stays as it was written
        return entry
    wording = _("“%(old)s” → “%(new)s”") % {"old": entry["old_text"], "new": entry["new_text"]}
    detail = [_("overdue")] if entry["overdue"] else []
    return {**entry, "detail": " · ".join([*detail, entry["team"], wording, entry["change"]])}


SECTION_BUILDERS: list[SectionBuilder] = [
    SectionBuilder("starting", gettext_lazy("Starting this week"), _starting),
    SectionBuilder("still", gettext_lazy("Still in effect"), _still_in_effect),
    SectionBuilder("ending", gettext_lazy("Ending this week"), _ending),
    SectionBuilder("coming", gettext_lazy("Coming up"), _coming_up),
    SectionBuilder("withdrawn", gettext_lazy("Withdrawn since the last digest"), _withdrawn),
    SectionBuilder("texts", gettext_lazy("Texts to update"), _texts_to_update, kind="texts"),
]
SECTION_TITLES = {builder.key: builder.title for builder in SECTION_BUILDERS}


def change_entry(change: Change) -> dict:
    """A change as the digest shows it: plain JSON, also the base of addendum diffs."""
    return {
        "id": change.pk,
        "title": change.title,
        "team": change.team.name,
        "team_slug": change.team.slug,
        "category": change.category,
        "severity": change.severity,
        "status": change.status,
        "effective_from": change.effective_from.isoformat(),
        "effective_until": change.effective_until.isoformat() if change.effective_until else None,
        "channels": list(change.channels),
        "tags": list(change.tags),
        "customer_impact": change.customer_impact,
        "customer_impact_html": change.customer_impact_html,
        "support_guidance": change.support_guidance,
        "support_guidance_html": change.support_guidance_html,
        "facts": [[fact.old_text, fact.new_text] for fact in change.fact_changes.all()],
        "late": change.is_late,
        "notice_days": change.notice_days,
        "revision": change.revision,
        "url": settings.SITE_URL + change.get_absolute_url(),
    }


def _grouped(entries: list[dict]) -> list[dict]:
    """Group entries by category; the group with the most severe entry first, then by label."""
    labels = dict(Category.choices)
    groups: dict[str, list[dict]] = {}
    for entry in entries:
        groups.setdefault(entry["category"], []).append(entry)
    result = []
    for category, items in groups.items():
        items.sort(key=lambda e: (SEVERITY_RANK.get(e["severity"], 9), e["effective_from"], e["title"], e["id"]))
        result.append({"category": category, "label": str(labels.get(category, category)), "entries": items})
    result.sort(key=lambda g: (SEVERITY_RANK.get(g["entries"][0]["severity"], 9), g["label"]))
    return result


def sections_build(window: WeekWindow) -> list[dict]:
    sections = []
    for builder in SECTION_BUILDERS:
        items = builder.build(window)
        section = {"key": builder.key, "title": str(builder.title), "kind": builder.kind, "count": len(items)}
        if builder.kind == "changes":
            section["groups"] = _grouped([change_entry(change) for change in items])
        else:
            section["entries"] = items
        sections.append(section)
    return sections


def sections_filter(sections: list[dict], wants: Callable[[dict], bool]) -> list[dict]:
    """The same sections with only the change entries `wants` accepts; counts follow."""
    result = []
    for section in sections:
        if section["kind"] != "changes":
            result.append(section)
            continue
        groups = []
        for group in section["groups"]:
            entries = [entry for entry in group["entries"] if wants(entry)]
            if entries:
                groups.append({**group, "entries": entries})
        result.append({**section, "groups": groups, "count": sum(len(g["entries"]) for g in groups)})
    return result


def sections_change_ids(sections: Iterable[dict]) -> list[int]:
    return sorted(
        {entry["id"] for s in sections if s["kind"] == "changes" for g in s["groups"] for entry in g["entries"]}
    )


# --- Markdown -------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|~])")


def md_escape(text: str) -> str:
    """Literal text inside Markdown: no emphasis, links or raw HTML from a title."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text or "", quote=False))


def markdown_as_text(markdown: str) -> str:
    """The Markdown made pleasant as a plain-text e-mail: no escapes, entities or <del> tags."""
    text = re.sub(r"</?del>", "~~", markdown)
    return html.unescape(re.sub(r"\\([\\`*_\[\]#|~])", r"\1", text))


def _date(value: str | None) -> str:
    if not value:
        return _("open end")
    return formats.date_format(datetime.date.fromisoformat(value), "SHORT_DATE_FORMAT")


def entry_markdown(entry: dict) -> str:
    channels = dict(Channel.choices)
    severities = dict(Severity.choices)
    meta = [
        md_escape(entry["team"]),
        f"{_date(entry['effective_from'])} – {_date(entry['effective_until'])}",
        ", ".join(str(channels.get(c, c)) for c in entry["channels"]),
        str(severities.get(entry["severity"], entry["severity"])),
    ]
    if entry["late"] and entry["notice_days"] < 0:
        meta.append("**" + _("late: announced after it took effect") + "**")
    elif entry["late"]:
        days = entry["notice_days"]
        notice = ngettext("late: %(days)s day's notice", "late: %(days)s days' notice", days) % {"days": days}
        meta.append(f"**{notice}**")
    lines = [f"#### [{md_escape(entry['title'])}]({entry['url']})", "", " · ".join(meta), ""]
    if entry["customer_impact"].strip():
        lines += [f"**{_('What the customer will feel')}:**", "", entry["customer_impact"].strip(), ""]
    if entry["support_guidance"].strip():
        lines += [f"**{_('What to say')}:**", "", entry["support_guidance"].strip(), ""]
    if entry["facts"]:
        lines += [f"**{_('Facts that change')}:**", ""]
        lines += [f"- <del>{md_escape(old)}</del> → {md_escape(new) or '—'}" for old, new in entry["facts"]]
        lines.append("")
    return "\n".join(lines)


def digest_markdown(*, week: str, monday: datetime.date, sections: list[dict]) -> str:
    """The digest as Markdown, in the active language."""
    sunday = monday + datetime.timedelta(days=6)
    short = "SHORT_DATE_FORMAT"
    lines = [
        "# " + _("Bulletin %(week)s") % {"week": week},
        "",
        f"{formats.date_format(monday, short)} – {formats.date_format(sunday, short)}",
        "",
        " · ".join(
            f"**{s['count']}** {SECTION_TITLES.get(s['key'], s['title'])}" for s in sections if s["kind"] == "changes"
        ),
        "",
    ]
    for section in sections:
        if section["kind"] != "changes":
            if section.get("entries"):
                lines += [f"## {SECTION_TITLES.get(section['key'], section['title'])}", ""]
                for item in section["entries"]:
                    detail = f": {md_escape(item['detail'])}" if item.get("detail") else ""
                    lines.append(f"- [{md_escape(item['title'])}]({item['url']}){detail}")
                lines.append("")
            continue
        lines += [f"## {SECTION_TITLES.get(section['key'], section['title'])}", ""]
        if not section["groups"]:
            lines += ["_" + _("Nothing.") + "_", ""]
        categories = dict(Category.choices)
        for group in section["groups"]:
            lines += [f"### {md_escape(str(categories.get(group['category'], group['label'])))}", ""]
            lines += [entry_markdown(entry) for entry in group["entries"]]
        if section.get("more"):
            more = ngettext(
                "… and %(more)s more on the web page", "… and %(more)s more on the web page", section["more"]
            ) % {"more": section["more"]}
            lines += [f"_{more}_", ""]
    return "\n".join(lines).strip() + "\n"


def sections_limit(sections: list[dict], *, per_section: int) -> list[dict]:
    """At most `per_section` entries per change section (the most severe come first); `more` says how many were cut."""
    result = []
    for section in sections:
        if section["kind"] != "changes" or section["count"] <= per_section:
            result.append(section)
            continue
        groups, room = [], per_section
        for group in section["groups"]:
            if room <= 0:
                break
            groups.append({**group, "entries": group["entries"][:room]})
            room -= len(groups[-1]["entries"])
        result.append({**section, "groups": groups, "more": section["count"] - per_section})
    return result


def sections_for_display(sections: list[dict]) -> list[dict]:
    """Section data for templates: titles and labels in the active language, dates as dates.

    Sections with nothing to show and no fixed place (e.g. no support texts to update) are left out.
    """
    categories = dict(Category.choices)
    channels = dict(Channel.choices)
    severities = dict(Severity.choices)
    result = []
    for section in sections:
        shown = {**section, "title": SECTION_TITLES.get(section["key"], section["title"])}
        if section["kind"] == "changes":
            shown["groups"] = [
                {
                    "label": categories.get(group["category"], group["label"]),
                    "entries": [
                        {
                            **entry,
                            "effective_from": datetime.date.fromisoformat(entry["effective_from"]),
                            "effective_until": datetime.date.fromisoformat(entry["effective_until"])
                            if entry["effective_until"]
                            else None,
                            "channel_labels": [channels.get(c, c) for c in entry["channels"]],
                            "severity_label": severities.get(entry["severity"], entry["severity"]),
                        }
                        for entry in group["entries"]
                    ],
                }
                for group in section["groups"]
            ]
        elif not section.get("entries"):
            continue
        else:
            shown["entries"] = [text_entry_worded(entry) for entry in section["entries"]]
        result.append(shown)
    return result


def digest_html(*, week: str, monday: datetime.date, sections: list[dict], url: str) -> str:
    """The digest as sanitised HTML, in the active language.

    Rendered from the same section data as the Markdown (not from the Markdown
    text): python-markdown takes ~20 s on a 5,000-change digest, a template
    under a second. User-written parts are the changes' stored sanitised HTML,
    and the whole result goes through sanitize_html once more.
    """
    body = render_to_string(
        "bulletin/digest_body.html",
        {
            "digest": {"week": week, "monday": monday},
            "sunday": monday + datetime.timedelta(days=6),
            "sections": sections_for_display(sections),
            "digest_url": url,
        },
    )
    return sanitize_html(body)


def digest_page_url(week: str) -> str:
    return settings.SITE_URL + reverse("bulletin:digest-week", args=[week])


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
    sections: list[dict]
    markdown: str
    html: str
    change_ids: list[int] = field(default_factory=list)

    @property
    def content_hash(self) -> str:
        body = json.dumps({"sections": self.sections, "markdown": self.markdown}, sort_keys=True, default=str)
        return hashlib.sha256(body.encode()).hexdigest()


def digest_content_build(*, monday: datetime.date, now: datetime.datetime | None = None) -> DigestContent:
    """Compute (without storing) the digest of the week starting `monday`, in settings.LANGUAGE_CODE."""
    now = now or timezone.now()
    week = week_label(monday)
    with translation.override(settings.LANGUAGE_CODE):
        sections = sections_build(week_window(monday=monday, now=now))
        markdown = digest_markdown(week=week, monday=monday, sections=sections)
        html = digest_html(week=week, monday=monday, sections=sections, url=digest_page_url(week))
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
    content = digest_content_build(monday=monday)
    fields = {
        "monday": content.monday,
        "sections": content.sections,
        "markdown": content.markdown,
        "html": content.html,
        "content_hash": content.content_hash,
    }
    with transaction.atomic():
        # get_or_create retries the get after an IntegrityError from a concurrent insert.
        digest, created = Digest.objects.select_for_update().get_or_create(
            week=content.week, defaults={**fields, "compiled_at": timezone.now(), "revision": 1}
        )
        if created:
            digest.changes.set(content.change_ids)
            return DigestCompiled(digest=digest, created=True, changed=True)
        if digest.content_hash == content.content_hash:
            return DigestCompiled(digest=digest, created=False, changed=False)
        for name, value in fields.items():
            setattr(digest, name, value)
        digest.compiled_at = timezone.now()
        digest.revision += 1
        digest.save()
        digest.changes.set(content.change_ids)
        return DigestCompiled(digest=digest, created=False, changed=True)

