"""Reading flags and support texts for pages, the API and other capabilities (the digest reads flags here)."""

import datetime
import difflib
import re
from dataclasses import dataclass, field

from django.db.models import BooleanField, Case, Count, F, Q, Value, When
from django.utils import timezone
from django.utils.html import escape, format_html, linebreaks
from django.utils.safestring import SafeString, mark_safe

from bulletin.texts.flag_spots import flag_spot_locate
from bulletin.texts.models import Flag, FullRescan, SupportText
from bulletin.texts.normalising import display_text, looks_like_html
from changes.glossary import glossary
from changes.permissions import changes_visible_to
from changes.rendering import sanitize_html


def flags_readable_by(user):
    """Flags of the changes `user` may read, and nothing joined: what a page's ids are filtered and sorted in."""
    visible = changes_visible_to(user)
    # Staff see every change: no IN over all of them, which cost every page of 55,000 flags a join.
    return Flag.objects.filter(change__in=visible) if visible.query.has_filters() else Flag.objects.all()


def flags_in_queue_order(flags, *, one_status: bool):
    """`flags` (flags_readable_by, filtered) in the queue's order: overdue first, then by due date.

    With one status chosen, overdue means due by today among open flags and is never true among the others, so
    the order is (due, id), which the index (status, due, id) gives without sorting.
    """
    if one_status:
        return flags.order_by("due", "id")
    return flags.annotate(overdue=_overdue(timezone.localdate())).order_by("-overdue", "status", "due", "id")


def _overdue(today):
    return Case(
        When(status=Flag.Status.OPEN, change__effective_from__lte=today, then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def flags_visible_to(user):
    """Flags of the changes `user` may read, with what lists show, overdue annotated."""
    today = timezone.localdate()
    return (
        flags_readable_by(user)
        .select_related("support_text", "support_text__owner_team", "change", "change__team", "dismissed_by")
        # Lists show the title and the excerpt; a text's whole body (twice: as written and normalised) would
        # be read for every row. The flag page reads it when it needs it.
        .defer("support_text__body", "support_text__body_normalised")
        .annotate(overdue=_overdue(today))
    )


def flag_counts(queryset) -> dict[str, int]:
    """Open, overdue, resolved and dismissed flags in `queryset`, in one query."""
    today = timezone.localdate()
    return queryset.aggregate(
        open=Count("pk", filter=Q(status=Flag.Status.OPEN)),
        overdue=Count("pk", filter=Q(status=Flag.Status.OPEN, change__effective_from__lte=today)),
        resolved=Count("pk", filter=Q(status=Flag.Status.RESOLVED)),
        dismissed=Count("pk", filter=Q(status=Flag.Status.DISMISSED)),
    )


def open_flag_counts_by_owner_team(*, user, team_ids) -> dict[int, dict[str, int]]:
    """{team id: {"open": n, "overdue": n}} of the open flags `user` may read on texts the teams own; one query.
    Teams with none are missing."""
    today = timezone.localdate()
    rows = (
        flags_readable_by(user)
        .filter(status=Flag.Status.OPEN, support_text__owner_team_id__in=team_ids)
        .values("support_text__owner_team_id")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(change__effective_from__lte=today)))
        .order_by()
    )
    return {row["support_text__owner_team_id"]: {"open": row["open"], "overdue": row["overdue"]} for row in rows}


def flag_lifetimes(*, due_from, due_until, open_since) -> list[dict]:
    """For the KPIs: each flag due from `due_from` to `due_until`, and each due earlier that was not closed before
    `open_since` (an aware datetime), as
    {"team_id" (the change's team), "created_at", "due", "status", "resolved_at", "dismissed_at",
    "by_bulletin"}; one query, no model instances."""
    rows = (
        Flag.objects.filter(due__lte=due_until)
        .filter(Q(due__gte=due_from) | ~(Q(resolved_at__lt=open_since) | Q(dismissed_at__lt=open_since)))
        .values("change__team_id", "created_at", "due", "status", "resolved_at", "dismissed_at",
                "dismissed_by_bulletin")
    )  # fmt: skip
    return [
        {
            "team_id": row["change__team_id"], "created_at": row["created_at"], "due": row["due"],
            "status": row["status"], "resolved_at": row["resolved_at"], "dismissed_at": row["dismissed_at"],
            "by_bulletin": row["dismissed_by_bulletin"],
        }  # fmt: skip
        for row in rows
    ]


def flags_spots_attach(flags) -> list[Flag]:
    """`flags` as a list, each with its `spot` worked out: two queries (the bodies, the glossary) for any number.

    Lists read flags without their texts' bodies (flags_visible_to); the spot needs them for the page's rows only.
    """
    flags = list(flags)
    if not flags:
        return flags
    bodies = dict(
        (pk, (body, normalised))
        for pk, body, normalised in SupportText.objects.filter(pk__in={f.support_text_id for f in flags}).values_list(
            "pk", "body", "body_normalised"
        )
    )
    synonyms = glossary()
    for flag in flags:
        body, normalised = bodies.get(flag.support_text_id, ("", ""))
        flag.spot = flag_spot_locate(
            old_text=flag.old_text, new_text=flag.new_text, found_form=flag.found_form, body=body,
            normalised=normalised, synonyms=synonyms,
        )
    return flags


# Private-use characters mark the spot in the raw body; they survive turning HTML into text
# (spots start and end between tags and entities, never inside one).
_SPOT_START, _SPOT_END = "\ue000", "\ue001"


def flag_body_highlighted(flag: Flag) -> SafeString:
    """The text as a reader sees it (HTML as its visible text), escaped, with the spot in <mark> while the text
    says it."""
    body, spot = flag.support_text.body, flag.spot
    if spot is None:
        return escape(display_text(body))
    start, end = spot.start, spot.end
    marked = display_text(body[:start] + _SPOT_START + body[start:end] + _SPOT_END + body[end:])
    return mark_safe(escape(marked).replace(_SPOT_START, "<mark>").replace(_SPOT_END, "</mark>"))


def flag_proposal_diff(flag: Flag) -> SafeString:
    """The proposed text as an inline word diff against the current body, both as a reader sees them
    (escaped, <del>/<ins>); empty unless the flag is open, its text still says it and there is a new wording."""
    if flag.status != Flag.Status.OPEN or flag.spot is None or not flag.spot.proposed_text:
        return mark_safe("")
    old, new = display_text(flag.support_text.body), display_text(flag.spot.proposed_text)
    old_words, new_words = _words(old), _words(new)
    parts = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old_words, new_words, autojunk=False).get_opcodes():
        if tag == "equal":
            parts.append(escape("".join(old_words[i1:i2])))
            continue
        if i2 > i1:
            parts.append(format_html("<del>{}</del>", "".join(old_words[i1:i2])))
        if j2 > j1:
            parts.append(format_html("<ins>{}</ins>", "".join(new_words[j1:j2])))
    return mark_safe("".join(parts))


def _words(text: str) -> list[str]:
    return re.findall(r"\s+|\w+|[^\w\s]", text)



def support_text_body_html(text: SupportText) -> SafeString:
    """The body as its page shows it: HTML from the help desk through nh3's allowlist (no script, handler or
    javascript: link survives), any other body escaped with its line breaks."""
    if looks_like_html(text.body):
        return mark_safe(sanitize_html(text.body))
    return mark_safe(linebreaks(text.body, autoescape=True))


def support_text_flags(*, text: SupportText, user):
    """The flags of `text` that `user` may read: open ones first, then the newest."""
    return flags_visible_to(user).filter(support_text=text).order_by(
        Case(When(status=Flag.Status.OPEN, then=Value(0)), default=Value(1)), "-created_at", "-id"
    )


def support_texts_with_open_flags():
    """Support texts with their owner team and `open_flags` counted, in id order (one query per page)."""
    return (
        SupportText.objects.select_related("owner_team")
        .annotate(open_flags=Count("flags", filter=Q(flags__status=Flag.Status.OPEN)))
        .order_by("id")
    )


@dataclass
class TeamFlags:
    team: object  # changes.Team or None for texts without an owner
    flags: list = field(default_factory=list)


def flags_for_digest(*, changes, limit: int) -> tuple[list[TeamFlags], int]:
    """The first `limit` open flags of `changes` for the digest's "Texts to update", per owner team and overdue
    first; and how many are open in all.

    Overdue: the change is already in effect. Teams sorted by name, texts without an owner last. Two queries
    whatever the number of open flags: a first import may leave tens of thousands, and the digest names a few.
    """
    today = timezone.localdate()
    open_flags = Flag.objects.filter(change__in=changes, status=Flag.Status.OPEN)
    overdue = Case(When(change__effective_from__lte=today, then=Value(True)), default=Value(False))
    # The ids first, sorted over the few columns the order needs; then only those rows with all they show.
    ids = list(
        open_flags.annotate(overdue=overdue)
        .order_by(
            F("support_text__owner_team__name").asc(nulls_last=True), "support_text__owner_team_id",
            "-overdue", "change__effective_from", "support_text__title", "id",
        )
        .values_list("pk", flat=True)[:limit]
    )
    rows = (
        Flag.objects.filter(pk__in=ids)
        .select_related("support_text__owner_team", "change")
        .defer("support_text__body", "support_text__body_normalised")
        .annotate(overdue=overdue)
        .in_bulk()
    )
    groups: dict[object, TeamFlags] = {}
    for flag in (rows[pk] for pk in ids if pk in rows):
        team = flag.support_text.owner_team
        groups.setdefault(team.pk if team else None, TeamFlags(team=team)).flags.append(flag)
    return list(groups.values()), open_flags.count()


def flags_rescan_last_finished() -> datetime.datetime | None:
    """When the last full re-scan (beat's nightly one, or one a large import asked for) finished; None before the
    first. One query by primary key."""
    return FullRescan.objects.filter(pk=FullRescan.ROW).values_list("finished_at", flat=True).first()
