"""Finding old facts in support texts.

Texts and phrases are compared in a normalised form: HTML read as its visible
text, NFKC, case folded, every dash variant one "-" without spaces around it,
every whitespace run one space, typographic quotes folded. The normalised body
is stored with each text (computing it costs more than scanning it), so a scan
only runs the Aho-Corasick automaton over stored strings.

Finding the spot in the original body (for the excerpt, the highlight and the
proposed text) happens only for the few texts that matched, cheapest way first:
positions carry over when normalising kept the length; else a regex built from
the phrase runs over the plain or visible text; else `normalise_mapped`, a slow
per-character normaliser that produces the same string as `normalise` plus the
original index of every character, decides.
"""

import bisect
import functools
import html
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import ahocorasick

# Hyphen-minus, en dash, em dash, minus, non-breaking hyphen (U+2011), hyphen (U+2010),
# figure dash (U+2012), small/full-width hyphen-minus and horizontal bar.
DASHES = "-\u2013\u2014\u2212\u2011\u2010\u2012\ufe63\uff0d\u2015"
DOUBLE_QUOTES = "\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033\u301d\u301e"
SINGLE_QUOTES = "\u2018\u2019\u201a\u201b\u2039\u203a\u2032`\u00b4"
_FOLD = str.maketrans({**{c: "-" for c in DASHES}, **{c: '"' for c in DOUBLE_QUOTES}, **{c: "'" for c in SINGLE_QUOTES}})

# Tags that separate words when a browser renders them; other tags (b, i, span, a …) do not.
_BLOCK_TAGS = frozenset(
    "address article aside blockquote br dd div dl dt figcaption figure footer form h1 h2 h3 h4 h5 h6 header hr "
    "li main nav ol p pre section table tbody td tfoot th thead tr ul".split()
)
# Comments, script/style with their content, tags, and character references the way html.unescape sees them.
_TOKEN_RE = re.compile(
    r"(?P<skip><!--.*?-->|<(?P<raw>script|style)\b.*?</(?P=raw)\s*>)"
    r"|(?P<tag></?(?P<name>[a-zA-Z][a-zA-Z0-9]*)\b[^>]*>)"
    r"|(?P<entity>&(?:#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?))",
    re.S,
)
_HTML_HINT_RE = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*\b[^>]*>|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);")
_SPACE_RE = re.compile(r"\s+")


def looks_like_html(text: str) -> bool:
    """True when the text holds a tag or a character reference; such bodies are read as their visible text."""
    return _HTML_HINT_RE.search(text) is not None


def _token_text(match: re.Match) -> str:
    if match.group("skip"):
        return ""
    if match.group("tag"):
        return " " if match.group("name").lower() in _BLOCK_TAGS else ""
    return html.unescape(match.group("entity"))


_FOLD_RE = re.compile(f"[{re.escape(DASHES + DOUBLE_QUOTES + SINGLE_QUOTES)}]")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    # str.translate walks every character in Python objects; most texts hold few of these, so search first.
    return text.translate(_FOLD) if _FOLD_RE.search(text) else text


def normalise(text: str) -> str:
    """The form texts and phrases are compared in (see the module docstring)."""
    if not text:
        return ""
    if looks_like_html(text):
        text = _TOKEN_RE.sub(_token_text, text)
    # str.split() splits on the same whitespace as str.isspace() (normalise_mapped relies on that).
    text = " ".join(_fold(text).split())
    if "-" in text:  # spaces are single now: drop the one before and the one after a dash
        text = text.replace(" -", "-").replace("- ", "-")
    return text


def normalise_mapped(text: str) -> tuple[str, list[int], list[int]]:
    """`normalise(text)` plus, for each of its characters, the start and end index in `text` it came from."""
    units: list[tuple[str, int, int]] = []  # (visible text, start, end) in the original

    def add_plain(start: int, end: int) -> None:
        units.extend((text[i], i, i + 1) for i in range(start, end))

    if looks_like_html(text):
        position = 0
        for match in _TOKEN_RE.finditer(text):
            add_plain(position, match.start())
            units.append((_token_text(match), match.start(), match.end()))
            position = match.end()
        add_plain(position, len(text))
    else:
        add_plain(0, len(text))

    # Combining marks belong to the character before them: NFKC composes them together.
    merged: list[tuple[str, int, int]] = []
    for piece, start, end in units:
        if merged and len(piece) == 1 and unicodedata.combining(piece):
            previous, previous_start, _ = merged[-1]
            merged[-1] = (previous + piece, previous_start, end)
        else:
            merged.append((piece, start, end))

    chars: list[tuple[str, int, int]] = []
    for piece, start, end in merged:
        chars.extend((char, start, end) for char in _fold(piece))

    out: list[tuple[str, int, int]] = []
    for char, start, end in chars:
        if char.isspace():
            if out and out[-1][0] in " -":
                continue  # runs collapse; no space after a dash
            out.append((" ", start, end))
        elif char == "-":
            if out and out[-1][0] == " ":
                out.pop()  # no space before a dash
            out.append((char, start, end))
        else:
            out.append((char, start, end))
    if out and out[-1][0] == " ":
        out.pop()
    if out and out[0][0] == " ":
        out.pop(0)
    return "".join(c for c, _, _ in out), [s for _, s, _ in out], [e for _, _, e in out]


def _is_word_start(text: str, start: int, phrase: str) -> bool:
    return start == 0 or not phrase[0].isalnum() or not text[start - 1].isalnum()


def _is_number_end(text: str, end: int, phrase: str) -> bool:
    """A phrase ending in a digit must not end inside a longer number ("8" in "85", "8,5" or "8.5")."""
    if not phrase[-1].isdigit() or end >= len(text):
        return True
    following = text[end]
    if following.isdigit():
        return False
    return not (following in ".," and end + 1 < len(text) and text[end + 1].isdigit())


class PhraseMatcher:
    """Finds normalised phrases in normalised texts at word starts.

    A phrase may continue into a longer word ("5-7 werktage" is in "5-7 werktagen")
    but not into a longer number. Several keys may share one phrase.
    """

    def __init__(self, phrases: Iterable[tuple[object, str]]):
        keys_by_phrase: dict[str, list] = {}
        for key, phrase in phrases:
            if phrase:
                keys_by_phrase.setdefault(phrase, []).append(key)
        self.phrases = keys_by_phrase
        self._automaton = ahocorasick.Automaton()
        for phrase, keys in keys_by_phrase.items():
            self._automaton.add_word(phrase, (phrase, tuple(keys)))
        if keys_by_phrase:
            self._automaton.make_automaton()

    def __bool__(self) -> bool:
        return bool(self.phrases)

    def keys_in(self, text: str) -> set:
        """The keys of the phrases found in `text`."""
        if not self.phrases:
            return set()
        found = set()
        for last, (phrase, keys) in self._automaton.iter(text):
            start, end = last - len(phrase) + 1, last + 1
            if _is_word_start(text, start, phrase) and _is_number_end(text, end, phrase):
                found.update(keys)
        return found


    def keys_in_batch(self, texts: list[str]) -> Iterator[tuple[int, object]]:
        """(index into `texts`, key) for every phrase found; one automaton pass over all texts.

        Joined with newlines, which no normalised text or phrase contains: no match can
        span two texts, and the word rules read a newline like a text boundary. Saves the
        per-call overhead that dominates a full scan of many short texts.
        """
        if not self.phrases or not texts:
            return
        starts, position = [], 0
        for text in texts:
            starts.append(position)
            position += len(text) + 1
        joined = "\n".join(texts)
        for last, (phrase, keys) in self._automaton.iter(joined):
            start, end = last - len(phrase) + 1, last + 1
            if _is_word_start(joined, start, phrase) and _is_number_end(joined, end, phrase):
                index = bisect.bisect_right(starts, start) - 1
                for key in keys:
                    yield index, key


def phrase_find_all(normalised_text: str, phrase: str) -> list[tuple[int, int]]:
    """Non-overlapping (start, end) spans of `phrase` in `normalised_text`, left to right, by the matcher's rules."""
    spans, position = [], normalised_text.find(phrase)
    while position != -1:
        end = position + len(phrase)
        if _is_word_start(normalised_text, position, phrase) and _is_number_end(normalised_text, end, phrase):
            spans.append((position, end))
            position = normalised_text.find(phrase, end)
        else:
            position = normalised_text.find(phrase, position + 1)
    return spans


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
        fragment = _TOKEN_RE.sub(_token_text, fragment)
    return _SPACE_RE.sub(" ", fragment)


@functools.lru_cache(maxsize=4096)
def _phrase_regex(phrase: str) -> re.Pattern:
    """A pattern finding a normalised phrase in an un-normalised plain text (dashes, spaces, quotes, case)."""
    parts, index = [], 0
    while index < len(phrase):
        char = phrase[index]
        index += 1
        if phrase.startswith("ss", index - 1):  # casefold made "ß" into "ss"
            parts.append("(?:ss|ß)")
            index += 1
        elif char == "-":
            parts.append(rf"\s*[{re.escape(DASHES)}]\s*")
        elif char == " ":
            parts.append(r"\s+")
        elif char == '"':
            parts.append(f'["{re.escape(DOUBLE_QUOTES)}]')
        elif char == "'":
            parts.append(f"['{re.escape(SINGLE_QUOTES)}]")
        else:
            parts.append(re.escape(char))
    start = r"(?<![^\W_])" if phrase[0].isalnum() else ""  # no letter or digit before
    end = r"(?![.,]?\d)" if phrase[-1].isdigit() else ""
    return re.compile(start + "".join(parts) + end, re.IGNORECASE)


def _spans_in_original(body: str, phrase: str, mapped, normalised: str | None) -> list[tuple[int, int]]:
    """(start, end) in `body` of every non-overlapping occurrence of `phrase`.

    Plain texts try a regex first (C speed); when it disagrees with the normalised
    count (ß/ss, ligatures, HTML) the per-character offset map decides.
    """
    if mapped is None:
        normalised = normalise(body) if normalised is None else normalised
        found = phrase_find_all(normalised, phrase)
        if len(normalised) == len(body) and not looks_like_html(body) and all(
            normalise(body[s:e]) == phrase for s, e in found
        ):
            # Normalising changed no lengths here (the common case: single spaces, no ß or
            # ligatures), so positions carry over; checked span by span.
            return found
        expected = len(found)
        if looks_like_html(body):
            visible, to_original = _visible_with_offsets(body)
            spans = [to_original(*m.span()) for m in _phrase_regex(phrase).finditer(visible)]
        else:
            spans = [m.span() for m in _phrase_regex(phrase).finditer(body)]
        if len(spans) == expected:
            return spans
    normalised, starts, ends = mapped or normalise_mapped(body)
    return [(starts[s], ends[e - 1]) for s, e in phrase_find_all(normalised, phrase)]


def _visible_with_offsets(body: str):
    """The HTML's visible text (tags dropped or a space, entities decoded) and a function
    mapping a (start, end) span of it back to the HTML; entities and tags map as a whole."""
    pieces, segments, visible_at, position = [], [], 0, 0  # segment: (visible start, original start, atomic)
    for match in _TOKEN_RE.finditer(body):
        if match.start() > position:
            segments.append((visible_at, position, False))
            pieces.append(body[position : match.start()])
            visible_at += match.start() - position
        text = _token_text(match)
        segments.append((visible_at, match.start(), True, match.end()))
        pieces.append(text)
        visible_at += len(text)
        position = match.end()
    if position < len(body):
        segments.append((visible_at, position, False))
        pieces.append(body[position:])
    starts = [segment[0] for segment in segments]

    def original(index: int, *, end: bool) -> int:
        segment = segments[bisect.bisect_right(starts, index if not end else index - 1) - 1]
        if segment[2]:  # an entity or tag: all of it
            return segment[3] if end else segment[1]
        return segment[1] + (index - segment[0])

    return "".join(pieces), lambda start, end: (original(start, end=False), original(end, end=True))


def spot_locate(
    *, body: str, phrase: str, new_text: str, mapped=None, normalised: str | None = None
) -> Spot | None:
    """Locate the normalised `phrase` in `body`; None if it is not there.

    `mapped` may pass a cached `normalise_mapped(body)`, `normalised` the stored `normalise(body)`. The proposed text replaces
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
            pieces.append(replacement)
            if is_html:
                # Keep the tags the old wording spanned, so the markup stays balanced.
                pieces.extend(re.findall(r"<[^>]*>", body[start:end]))
            position = end
        pieces.append(body[position:])
        proposed = "".join(pieces)
    return Spot(first_start, first_end, excerpt.strip(), proposed, len(original))
