"""Where an old wording stands in an original body: the excerpt, the highlight and the proposed text.

Only the few texts that matched are located. The body is normalised again while
keeping track of offsets, touching only what may change the length;
`normalise_mapped`, a slow per-character normaliser, decides when that does not
reproduce the stored form.
"""

import bisect
import html
import re
from dataclasses import dataclass

from bulletin.texts.matching import phrase_find_all
from bulletin.texts.normalising import (
    DASHES,
    SPACE_RE,
    TOKEN_RE,
    fold,
    looks_like_html,
    normalise,
    normalise_mapped,
    token_text,
)


@dataclass(frozen=True)
class Spot:
    """Where an old wording stands in an original body, and what the body looks like with the new one."""

    start: int  # first occurrence, index into the original body
    end: int
    excerpt: str
    proposed_text: str
    occurrences: int


EXCERPT_CONTEXT = 60


def _visible(fragment: str, is_html: bool) -> str:
    if is_html:
        fragment = TOKEN_RE.sub(token_text, fragment)
    return SPACE_RE.sub(" ", fragment)


def _rewrite_with_offsets(text: str, pattern: re.Pattern, replace) -> tuple[str, object]:
    """`pattern.sub(replace, text)`, and a function mapping a (start, end) span of the result back to `text`.

    Text between matches maps character by character; a replacement maps as a whole
    to what it replaced (an entity, a tag, a dash with the spaces around it).
    """
    pieces, segments, at, position = [], [], 0, 0  # segment: (start in result, start in text, end in text or None)
    for match in pattern.finditer(text):
        if match.start() > position:
            segments.append((at, position, None))
            pieces.append(text[position : match.start()])
            at += match.start() - position
        replacement = replace(match)
        segments.append((at, match.start(), match.end()))
        pieces.append(replacement)
        at += len(replacement)
        position = match.end()
    if position < len(text):
        segments.append((at, position, None))
        pieces.append(text[position:])
    starts = [segment[0] for segment in segments]

    def original(index: int, *, end: bool) -> int:
        # A replacement that left nothing shares its start with the next segment, so bisect never lands on it.
        at, start, replaced_end = segments[bisect.bisect_right(starts, index - 1 if end else index) - 1]
        if replaced_end is not None:
            return replaced_end if end else start
        return start + (index - at)

    return "".join(pieces), lambda start, end: (original(start, end=False), original(end, end=True))


# What normalising may change: a whitespace run (other than one plain space between two words),
# a dash, and a non-ASCII character (ß becomes ss, "–" a hyphen). The pattern opens with one
# character class so that `re` skips ahead to candidates in C.
_SPACE_OR_DASH = rf"\s{re.escape(DASHES)}"


def _non_ascii_that_may_change() -> str:
    """The non-ASCII characters as a class body, less the Latin letters that normalise to their lower case
    one for one (ä, é, Ø …): German text is full of them, and each one rewritten costs a Python call.
    ß, ſ and the like stay in; the check after the rewrite catches anything this gets wrong."""
    kept = [c for c in map(chr, range(0xC0, 0x250)) if len(c.lower()) == 1 and normalise(c) == c.lower()]
    ranges, start = [], 0x80
    for code in map(ord, kept):
        if code > start:
            ranges.append((start, code - 1))
        start = code + 1
    ranges.append((start, 0x10FFFF))
    return "".join(chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b in ranges)


_LENGTH_CHANGE_RE = re.compile(
    rf"[{_SPACE_OR_DASH}{_non_ascii_that_may_change()}]"
    rf"(?:(?<![^{_SPACE_OR_DASH}] )|(?![^{_SPACE_OR_DASH}]))"  # not a lone space between words
    r"(?:(?<=\s)\s*)?"  # whitespace takes the rest of its run
)


def _length_change(match: re.Match) -> str:
    token, text = match.group(), match.string
    if token.isspace():
        # Gone at either end and beside a dash; each dash is a token of its own, so a span
        # ending on a dash ends on the dash, not on the space after it.
        if match.start() == 0 or match.end() == len(text):
            return ""
        return "" if text[match.start() - 1] in DASHES or text[match.end()] in DASHES else " "
    return "-" if token in DASHES else fold(token)


def _spans_in_original(body: str, phrase: str, mapped, normalised: str | None) -> list[tuple[int, int]]:
    """(start, end) in `body` of every non-overlapping occurrence of `phrase`.

    Where normalising only lowered the case, positions carry over. Else the body is
    normalised once more while keeping track of offsets, replacing only what may
    change the length (C speed for the rest). When that does not reproduce the
    stored normalised text exactly (combining marks, exotic case folding), the
    per-character `normalise_mapped` decides.
    """
    if mapped is None:
        normalised = normalise(body) if normalised is None else normalised
        found = phrase_find_all(normalised, phrase)
        # The common case (single spaces, hyphens, no ß): positions carry over. The length check
        # is not redundant: "İ" lowers to two characters.
        if len(body) == len(normalised) and body.lower() == normalised:
            return found
        is_html = looks_like_html(body)
        to_body = None
        visible = body
        if is_html:
            visible, to_body = _rewrite_with_offsets(body, TOKEN_RE, token_text)
        collapsed, to_visible = _rewrite_with_offsets(visible, _LENGTH_CHANGE_RE, _length_change)
        # ASCII is all that is left to fold: case, and the backtick as a quote.
        if collapsed.lower().replace("`", "'") == normalised:
            spans = [to_visible(start, end) for start, end in found]
            return [to_body(*span) for span in spans] if to_body else spans
    normalised, starts, ends = mapped or normalise_mapped(body)
    return [(starts[s], ends[e - 1]) for s, e in phrase_find_all(normalised, phrase)]


def _in_case_of(said: str, replacement: str) -> str:
    """The replacement with a capital first letter where the text had one (a sentence start stays one)."""
    if replacement[:1].islower() and said[:1].isupper():
        return replacement[0].upper() + replacement[1:]
    return replacement


def spot_locate(
    *, body: str, phrase: str, new_text: str, mapped=None, normalised: str | None = None
) -> Spot | None:
    """Locate the normalised `phrase` in `body`; None if it is not there.

    `mapped` may pass a cached `normalise_mapped(body)`, `normalised` the stored `normalise(body)`. The proposed
    text replaces
    every occurrence; an empty `new_text` gives an empty proposal (nothing to suggest).
    """
    original = _spans_in_original(body, phrase, mapped, normalised)
    if not original:
        return None
    is_html = looks_like_html(body)
    first_start, first_end = original[0]
    before = body[max(0, first_start - EXCERPT_CONTEXT) : first_start]
    after = body[first_end : first_end + EXCERPT_CONTEXT]
    if is_html:  # the context may cut a tag or an entity in half
        first_open, first_close = before.find("<"), before.find(">")
        if first_close != -1 and (first_open == -1 or first_close < first_open):
            before = before[first_close + 1 :]
        before = re.sub(r"^[#\w]{1,10};", "", before)
        after = re.sub(r"<[^>]*$|&[#\w]*$", "", after)
    excerpt = (
        ("…" if first_start > EXCERPT_CONTEXT else "")
        + _visible(before, is_html).lstrip()
        + _visible(body[first_start:first_end], is_html)
        + _visible(after, is_html).rstrip()
        + ("…" if first_end + EXCERPT_CONTEXT < len(body) else "")
    )
    proposed = ""
    if new_text:
        replacement = html.escape(new_text, quote=False) if is_html else new_text
        pieces, position = [], 0
        for start, end in original:
            pieces.append(body[position:start])
            pieces.append(_in_case_of(_visible(body[start:end], is_html), replacement))
            if is_html:
                # Keep the tags the old wording spanned, so the markup stays balanced.
                pieces.extend(re.findall(r"<[^>]*>", body[start:end]))
            position = end
        pieces.append(body[position:])
        proposed = "".join(pieces)
    return Spot(first_start, first_end, excerpt.strip(), proposed, len(original))
