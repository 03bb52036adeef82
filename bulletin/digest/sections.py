"""The sections of a weekly digest: what each lists, as typed objects, and how they are built.

A digest is a list of sections, each made by one builder in SECTION_BUILDERS.
Change sections group their entries by category, most severe first; the texts
section lists support texts to update. Both say how many entries were left out
(`more`) the same way. `Digest.sections` stores them as JSON (`to_json`), read
back with `sections_from_json`; a change entry stays the plain JSON of
`change_entry`, which addenda also store and compare.
"""

import datetime
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, replace

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bulletin.texts.selectors import flags_for_digest
from changes.models import SEVERITY_RANK, Category, Change

COMING_UP_DAYS = 14
# The digest is read, not worked through: past this many texts it points to the queue instead
# (a first import can flag thousands, which made every agent's e-mail megabytes long).
TEXTS_TO_UPDATE_SHOWN = 50


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
        # Takes effect within BULLETIN_MIN_NOTICE_DAYS and support has not confirmed the handover (when compiled).
        "handover_due": change.handover_is_urgent,
        "revision": change.revision,
        "url": settings.SITE_URL + change.get_absolute_url(),
    }


def _section_json(section) -> dict:
    """What every stored section says about itself."""
    return {
        "key": section.key,
        "title": section.title,
        "kind": section.kind,
        "count": section.count,
        "more": section.more,
    }


@dataclass(frozen=True)
class ChangeGroup:
    category: str
    label: str  # in the language of the compile; pages show Category's label in theirs
    entries: list[dict]

    def to_json(self) -> dict:
        return {"category": self.category, "label": self.label, "entries": self.entries}


@dataclass(frozen=True)
class ChangeSection:
    """Changes starting, in effect, ending, coming up or withdrawn, grouped by category."""

    key: str
    title: str
    groups: list[ChangeGroup]
    more: int = 0  # entries left out (an e-mail lists the first few of a long section)
    kind = "changes"

    @property
    def count(self) -> int:
        """Every entry of the section, shown or left out."""
        return sum(len(group.entries) for group in self.groups) + self.more

    @property
    def change_ids(self) -> set[int]:
        return {entry["id"] for group in self.groups for entry in group.entries}

    def filtered(self, wants: Callable[[dict], bool]) -> "ChangeSection":
        groups = [replace(g, entries=[e for e in g.entries if wants(e)]) for g in self.groups]
        return replace(self, groups=[group for group in groups if group.entries])

    def limited(self, shown: int) -> "ChangeSection":
        """The first `shown` entries (the most severe come first); the rest counted in `more`."""
        groups, room = [], shown
        for group in self.groups:
            if room <= 0:
                break
            groups.append(replace(group, entries=group.entries[:room]))
            room -= len(groups[-1].entries)
        return replace(self, groups=groups, more=self.count - sum(len(g.entries) for g in groups))

    def to_json(self) -> dict:
        return {**_section_json(self), "groups": [group.to_json() for group in self.groups]}


def text_entry_detail(entry: "TextEntry") -> str:
    """The line under a text to update, in the active language: overdue, owner team, the wordings, the change."""
    parts = [_("overdue")] if entry.overdue else []
    if entry.team:
        parts.append(entry.team)
    if entry.old_text:
        parts.append(_("“%(old)s” → “%(new)s”") % {"old": entry.old_text, "new": entry.new_text})
    if entry.change:  # a digest stored before entries kept their parts has its whole line here
        parts.append(entry.change)
    return " · ".join(parts)


@dataclass(frozen=True)
class TextEntry:
    """A support text that still states an old fact of one of the week's changes, in its parts
    (so a page words it in its reader's language)."""

    title: str
    url: str
    overdue: bool
    team: str
    old_text: str
    new_text: str
    change: str
    # Where an agent fixes the text, and the help desk's name for the link ("Open in Zendesk"); a digest
    # compiled before texts kept their links has neither.
    fix_url: str = ""
    helpdesk: str = ""

    def to_json(self) -> dict:
        # With the line as the compile words it (settings.LANGUAGE_CODE), for API readers; pages word the parts.
        return {**vars(self), "detail": text_entry_detail(self)}

    @classmethod
    def from_json(cls, data: dict) -> "TextEntry":
        return cls(
            **{
                name: data[name] if spec.default is MISSING else data.get(name, spec.default)
                for name, spec in cls.__dataclass_fields__.items()
            }
        )


@dataclass(frozen=True)
class TextSection:
    """Support texts to update; past TEXTS_TO_UPDATE_SHOWN the rest are counted in `more` and found in the queue."""

    key: str
    title: str
    entries: list[TextEntry]
    more: int = 0
    more_url: str = ""  # the flags queue, where the texts left out are
    kind = "texts"

    @property
    def count(self) -> int:
        return len(self.entries) + self.more

    @property
    def change_ids(self) -> set[int]:
        return set()  # its entries name their change by title only

    def filtered(self, wants) -> "TextSection":
        return self  # every reader of the digest sees the texts to update

    def limited(self, shown: int) -> "TextSection":
        return self  # already at most TEXTS_TO_UPDATE_SHOWN

    def to_json(self) -> dict:
        return {**_section_json(self), "more_url": self.more_url, "entries": [e.to_json() for e in self.entries]}


Section = ChangeSection | TextSection


def sections_from_json(data: list[dict]) -> list[Section]:
    """The sections of a stored digest (`Digest.sections`)."""
    sections: list[Section] = []
    for item in data:
        if item["kind"] == ChangeSection.kind:
            groups = [ChangeGroup(g["category"], g["label"], g["entries"]) for g in item["groups"]]
            sections.append(ChangeSection(item["key"], item["title"], groups, more=item.get("more", 0)))
        else:
            entries = [TextEntry.from_json(entry) for entry in item["entries"]]
            sections.append(
                TextSection(item["key"], item["title"], entries, more=item["more"], more_url=item["more_url"])
            )
    return sections


def sections_to_json(sections: list[Section]) -> list[dict]:
    return [section.to_json() for section in sections]


def sections_change_ids(sections: list[Section]) -> list[int]:
    return sorted(set().union(*(section.change_ids for section in sections)))


def sections_counts(sections: list[Section]) -> dict[str, int]:
    return {section.key: section.count for section in sections}


# --- Building ---------------------------------------------------------------------


@dataclass
class WeekWindow:
    """Everything a section builder needs, fetched once per compilation."""

    monday: datetime.date
    now: datetime.datetime
    published: list[Change]  # published changes touching monday … sunday + COMING_UP_DAYS
    withdrawn: list[Change] = field(default_factory=list)  # withdrawn since the previous digest

    @property
    def sunday(self) -> datetime.date:
        return self.monday + datetime.timedelta(days=6)

    @property
    def horizon(self) -> datetime.date:
        return self.sunday + datetime.timedelta(days=COMING_UP_DAYS)


def _starting(window: WeekWindow) -> list[Change]:
    return [c for c in window.published if window.monday <= c.effective_from <= window.sunday]


def _ending(window: WeekWindow) -> list[Change]:
    # Whenever it started: a change starting and ending within the week is listed in both sections, so support
    # sees that its last day falls in this week, not only that it begins.
    return [
        c
        for c in window.published
        if c.effective_until is not None and window.monday <= c.effective_until <= window.sunday
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


def _grouped(entries: list[dict]) -> list[ChangeGroup]:
    """Group entries by category; the group with the most severe entry first, then by label."""
    labels = dict(Category.choices)
    by_category: dict[str, list[dict]] = {}
    for entry in entries:
        by_category.setdefault(entry["category"], []).append(entry)
    groups = []
    for category, items in by_category.items():
        items.sort(key=lambda e: (SEVERITY_RANK.get(e["severity"], 9), e["effective_from"], e["title"], e["id"]))
        groups.append(ChangeGroup(category, str(labels.get(category, category)), items))
    groups.sort(key=lambda g: (SEVERITY_RANK.get(g.entries[0]["severity"], 9), g.label))
    return groups


def _change_section(key: str, title, select: Callable[[WeekWindow], list[Change]]):
    def build(window: WeekWindow) -> ChangeSection:
        return ChangeSection(key, str(title), _grouped([change_entry(change) for change in select(window)]))

    return build


def _texts_to_update(window: WeekWindow) -> TextSection:
    """Open flags of the week's changes: per owner team, overdue first (see flags_for_digest); at most
    TEXTS_TO_UPDATE_SHOWN, the rest counted and left to the queue."""
    entries = []
    groups, total = flags_for_digest(changes=[change.pk for change in window.published], limit=TEXTS_TO_UPDATE_SHOWN)
    for group in groups:
        for flag in group.flags:
            entries.append(
                TextEntry(
                    title=flag.support_text.title,
                    url=settings.SITE_URL + flag.get_absolute_url(),
                    overdue=flag.overdue,
                    team=group.team.name if group.team else "—",
                    old_text=flag.old_text,
                    new_text=flag.new_text,
                    change=flag.change.title,
                    fix_url=flag.support_text.fix_url,
                    helpdesk=flag.support_text.get_helpdesk_display() if flag.support_text.helpdesk else "",
                )
            )
    queue = settings.SITE_URL + reverse("flags:list") + "?status=open"
    return TextSection("texts", str(SECTION_TITLES["texts"]), entries, more=total - len(entries), more_url=queue)


SECTION_TITLES = {
    "starting": gettext_lazy("Starting this week"),
    "still": gettext_lazy("Still in effect"),
    "ending": gettext_lazy("Ending this week"),
    "coming": gettext_lazy("Coming up"),
    "withdrawn": gettext_lazy("Withdrawn since the last digest"),
    "texts": gettext_lazy("Texts to update"),
}
SECTION_BUILDERS: list[Callable[[WeekWindow], Section]] = [
    _change_section("starting", SECTION_TITLES["starting"], _starting),
    _change_section("still", SECTION_TITLES["still"], _still_in_effect),
    _change_section("ending", SECTION_TITLES["ending"], _ending),
    _change_section("coming", SECTION_TITLES["coming"], _coming_up),
    _change_section("withdrawn", SECTION_TITLES["withdrawn"], _withdrawn),
    _texts_to_update,
]


def sections_build(window: WeekWindow) -> list[Section]:
    return [build(window) for build in SECTION_BUILDERS]
