"""Reading flags and support texts for pages, the API and other capabilities (the digest reads flags here)."""

import difflib
import re
from dataclasses import dataclass, field

from django.db.models import BooleanField, Case, Count, Q, Value, When
from django.utils import timezone
from django.utils.html import escape, format_html, linebreaks
from django.utils.safestring import SafeString, mark_safe

from bulletin.texts.models import Flag, SupportText
from bulletin.texts.normalising import display_text, looks_like_html
from changes.permissions import changes_visible_to
from changes.rendering import sanitize_html


def flags_visible_to(user):
    """Flags of the changes `user` may read, with what lists show, overdue annotated."""
    today = timezone.localdate()
    return (
        Flag.objects.filter(change__in=changes_visible_to(user))
        .select_related("support_text", "support_text__owner_team", "change", "change__team", "dismissed_by")
        # Lists show the title and the excerpt; a text's whole body (twice: as written and normalised) would
        # be read for every row. The flag page reads it when it needs it.
        .defer("support_text__body", "support_text__body_normalised")
        .annotate(
            overdue=Case(
                When(status=Flag.Status.OPEN, change__effective_from__lte=today, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
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


def flag_spot_is_current(flag: Flag) -> bool:
    """Whether the flag's spot and proposal were found in the text as it is now.

    A resolved flag's spot is in a body that is gone. An open flag's is refreshed by
    the scan that follows every update of its text; until then it belongs to the old body.
    """
    return flag.status != Flag.Status.RESOLVED and flag.support_text.updated_at <= flag.updated_at


# Private-use characters mark the spot in the raw body; they survive turning HTML into text
# (spots start and end between tags and entities, never inside one).
_SPOT_START, _SPOT_END = "\ue000", "\ue001"


def flag_body_highlighted(flag: Flag) -> SafeString:
    """The text as a reader sees it (HTML as its visible text), escaped, with the matched spot in <mark>
    while the spot belongs to the text as it is now."""
    body = flag.support_text.body
    start, end = flag.match_start, flag.match_end
    if not (flag_spot_is_current(flag) and 0 <= start < end <= len(body)):
        return escape(display_text(body))
    marked = display_text(body[:start] + _SPOT_START + body[start:end] + _SPOT_END + body[end:])
    return mark_safe(escape(marked).replace(_SPOT_START, "<mark>").replace(_SPOT_END, "</mark>"))


def flag_proposal_diff(flag: Flag) -> SafeString:
    """The proposed text as an inline word diff against the current body, both as a reader sees them
    (escaped, <del>/<ins>); empty unless the flag is open and its proposal made for the text as it is now."""
    if flag.status != Flag.Status.OPEN or not flag_spot_is_current(flag) or not flag.proposed_text:
        return mark_safe("")
    old, new = display_text(flag.support_text.body), display_text(flag.proposed_text)
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


def flags_for_digest(*, changes) -> list[TeamFlags]:
    """Open flags of `changes` for the digest's "Texts to update": per owner team, overdue first.

    Overdue: the change is already in effect. Teams sorted by name, texts without
    an owner last. Two queries whatever the number of flags.
    """
    today = timezone.localdate()
    flags = (
        Flag.objects.filter(change__in=changes, status=Flag.Status.OPEN)
        .select_related("support_text__owner_team", "change")
        .annotate(overdue=Case(When(change__effective_from__lte=today, then=Value(True)), default=Value(False)))
        .order_by("-overdue", "change__effective_from", "support_text__title", "id")
    )
    groups: dict[object, TeamFlags] = {}
    for flag in flags:
        team = flag.support_text.owner_team
        groups.setdefault(team.pk if team else None, TeamFlags(team=team)).flags.append(flag)
    return sorted(groups.values(), key=lambda group: (group.team is None, group.team.name if group.team else ""))
