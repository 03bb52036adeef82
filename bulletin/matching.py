"""Finding old facts in support texts.

Texts and phrases are compared in a normalised form: HTML read as its visible
text, NFKC, case folded, every dash variant one "-" without spaces around it,
every whitespace run one space, typographic quotes folded. The normalised body
is stored with each text (computing it costs more than scanning it), so a scan
only runs the Aho-Corasick automaton over stored strings.

Finding the spot in the original body (for the excerpt, the highlight and the
proposed text) happens only for the few texts that matched: the body is
normalised again while keeping track of offsets, touching only what may change
the length; `normalise_mapped`, a slow per-character normaliser, decides when
that does not reproduce the stored form.
"""

import bisect
import html
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick_rs

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
# Elements help desks write; "<info@example.com>" or "<Name>" in a plain text are not markup.
_HTML_ELEMENTS = (
    "a|abbr|address|article|aside|b|blockquote|body|br|caption|code|col|colgroup|dd|del|details|div|dl|dt|em|"
    "figcaption|figure|font|footer|h[1-6]|head|header|hr|html|i|img|ins|kbd|li|main|mark|nav|ol|p|pre|q|s|"
    "section|small|span|strike|strong|style|sub|summary|sup|table|tbody|td|tfoot|th|thead|title|tr|u|ul"
)
_HTML_HINT_RE = re.compile(
    rf"<!--|</?(?:{_HTML_ELEMENTS})(?=[\s/>])[^>]*>|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);",
    re.IGNORECASE,
)
_SPACE_RE = re.compile(r"\s+")


def looks_like_html(text: str) -> bool:
    """True when the text holds an HTML element, a comment or a character reference; such bodies are read as
    their visible text."""
    return _HTML_HINT_RE.search(text) is not None


def display_text(body: str) -> str:
    """What a reader of the help centre sees of a body: an HTML body as plain text with its line breaks
    (scripts, styles and comments dropped, entities decoded); a plain body as it is."""
    if not looks_like_html(body):
        return body
    text = _TOKEN_RE.sub(lambda match: _token_text(match, block_break="\n"), body)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _token_text(match: re.Match, *, block_break: str = " ") -> str:
    """What a comment, script, tag or character reference shows: nothing, `block_break` for a tag that
    separates words, or the character."""
    if match.group("skip"):
        return ""
    if match.group("tag"):
        return block_break if match.group("name").lower() in _BLOCK_TAGS else ""
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
    """A phrase starts a word; one opening with a digit does not start inside a number ("5-7" in "2,5-7")."""
    if start == 0 or not phrase[0].isalnum():
        return True
    before = text[start - 1]
    if before.isalnum():
        return False
    return not (phrase[0].isdigit() and before in ".," and start >= 2 and text[start - 2].isdigit())


def _is_number_end(text: str, end: int, phrase: str) -> bool:
    """A phrase ending in a digit must not end inside a longer number ("8" in "85", "8,5" or "8.5")."""
    if not phrase[-1].isdigit() or end >= len(text):
        return True
    following = text[end]
    if following.isdigit():
        return False
    return not (following in ".," and end + 1 < len(text) and text[end + 1].isdigit())


# PostgreSQL's COPY text format: one row per line, columns split by tabs, these characters escaped.
_COPY_ESCAPE = str.maketrans(
    {"\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}
)
_COPY_UNESCAPE_RE = re.compile(rb"\\(?:([0-7]{1,3})|x([0-9a-fA-F]{1,2})|(.))", re.S)
_COPY_LETTERS = {b"b": b"\b", b"f": b"\f", b"n": b"\n", b"r": b"\r", b"t": b"\t", b"v": b"\v"}


def _copy_escape(text: str) -> str:
    return text.translate(_COPY_ESCAPE) if any(c in text for c in "\\\b\f\n\r\t\v") else text


def _copy_unescape_byte(match: re.Match) -> bytes:
    octal, hexadecimal, char = match.groups()
    if octal:
        return bytes([int(octal, 8) & 0xFF])
    if hexadecimal:
        return bytes([int(hexadecimal, 16)])
    return _COPY_LETTERS.get(char, char)


def _copy_field(raw: bytes) -> str:
    if b"\\" in raw:
        raw = _COPY_UNESCAPE_RE.sub(_copy_unescape_byte, raw)
    return raw.decode("utf-8")


def rows_block(rows: Iterable[tuple[int, str]]) -> bytes:
    """(id, normalised text) rows in the format `PhraseMatcher.pairs_in_rows` reads: PostgreSQL's COPY text format."""
    return "".join(f"{row_id}\t{_copy_escape(text)}\n" for row_id, text in rows).encode("utf-8")


class PhraseMatcher:
    """Finds normalised phrases in normalised texts at word starts.

    A phrase may continue into a longer word ("5-7 werktage" is in "5-7 werktagen")
    but not into a longer number. Several keys may share one phrase.

    The automaton (Rust, a DFA over UTF-8 bytes) reads blocks of rows in PostgreSQL's
    COPY text format, the very bytes the database sends, so a full scan decodes no
    text it does not find something in; it releases the GIL, so threads scan blocks
    on all cores. Each hit is then checked by the word rules on the decoded text,
    which also keeps out hits that only exist in the escaped form. Phrases hold no
    tab or line break, so no hit spans two rows.
    """

    def __init__(self, phrases: Iterable[tuple[object, str]]):
        keys_by_phrase: dict[str, list] = {}
        for key, phrase in phrases:
            if phrase:
                keys_by_phrase.setdefault(phrase, []).append(key)
        self.phrases = keys_by_phrase
        self._by_index = [(phrase, tuple(keys)) for phrase, keys in keys_by_phrase.items()]
        self._automaton = None
        if keys_by_phrase:
            self._automaton = ahocorasick_rs.BytesAhoCorasick(
                [_copy_escape(phrase).encode("utf-8") for phrase in keys_by_phrase],
                implementation=ahocorasick_rs.Implementation.DFA,
            )

    def __bool__(self) -> bool:
        return bool(self.phrases)

    def keys_in(self, text: str) -> set:
        """The keys of the phrases found in `text`."""
        return {key for _row, key in self.pairs_in_rows(rows_block([(0, text)]))}

    def pairs_in_rows(self, block: bytes) -> set[tuple[int, object]]:
        """{(row id, key)} for every phrase found in `block`: whole rows of (id, normalised text)
        in PostgreSQL's COPY text format, as `rows_block` writes them."""
        if self._automaton is None or not block:
            return set()
        hits = self._automaton.find_matches_as_indexes(block, overlapping=True)
        found, checked, texts = set(), set(), {}
        for index, start, _end in hits:
            line_start = block.rfind(b"\n", 0, start) + 1
            if (line_start, index) in checked:
                continue
            checked.add((line_start, index))
            if line_start not in texts:
                tab = block.index(b"\t", line_start)
                line_end = block.find(b"\n", tab)
                texts[line_start] = (int(block[line_start:tab]), _copy_field(block[tab + 1 : line_end]))
            row_id, text = texts[line_start]
            phrase, keys = self._by_index[index]
            if phrase_find_all(text, phrase):
                found.update((row_id, key) for key in keys)
        return found


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
# a dash, and any non-ASCII character (ß becomes ss, "–" a hyphen). The pattern opens with one
# character class so that `re` skips ahead to candidates in C.
_SPACE_OR_DASH = rf"\s{re.escape(DASHES)}"
_LENGTH_CHANGE_RE = re.compile(
    rf"[{_SPACE_OR_DASH}\x80-\U0010ffff]"
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
    return "-" if token in DASHES else _fold(token)


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
            visible, to_body = _rewrite_with_offsets(body, _TOKEN_RE, _token_text)
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
