"""Finding normalised phrases in normalised texts, by the word rules, over blocks of rows.

A phrase starts at a word start and does not end inside a longer number. Rows
travel in PostgreSQL's COPY text format (see corpus.py), which the automaton
searches as bytes.
"""

import re
from collections.abc import Iterable

import ahocorasick_rs


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
        found, done, rows = set(), set(), {}
        for index, start, end in hits:
            line_start = block.rfind(b"\n", 0, start) + 1
            if (line_start, index) in done:
                continue
            row = rows.get(line_start)
            if row is None:
                tab = block.index(b"\t", line_start)
                line_end = block.find(b"\n", tab)
                # A row with a backslash was escaped on the way: its bytes are not the text's.
                escaped = block.find(b"\\", tab, line_end) != -1
                row = rows[line_start] = (int(block[line_start:tab]), tab + 1, line_end, escaped)
            row_id, text_start, text_end, escaped = row
            phrase, keys = self._by_index[index]
            if escaped:
                if not phrase_find_all(_copy_field(block[text_start:text_end]), phrase):
                    continue
            elif not _bytes_hold_phrase(block, start, end, text_start, text_end, phrase):
                continue  # another occurrence on the line may still hold: it is a hit of its own
            done.add((line_start, index))
            if len(keys) == 1:
                found.add((row_id, keys[0]))
            else:
                found.update((row_id, key) for key in keys)
        return found


_DIGITS = frozenset(b"0123456789")
_SEPARATORS = frozenset(b".,")


def _bytes_hold_phrase(block: bytes, start: int, end: int, text_start: int, text_end: int, phrase: str) -> bool:
    """The word rules of _is_word_start and _is_number_end at one hit, read on the UTF-8 bytes of an unescaped
    row: one hit in a dense corpus cost 12 µs decoding its whole row, this a fraction of it."""
    if phrase[0].isalnum() and start > text_start:
        before = block[start - 1]
        if before >= 0x80:  # a non-ASCII character ends there: decode just it
            first = start - 1
            while first > text_start and 0x80 <= block[first] < 0xC0:
                first -= 1
            if block[first:start].decode("utf-8", "replace").isalnum():
                return False
        elif chr(before).isalnum() or (
            phrase[0].isdigit() and before in _SEPARATORS and start - 2 >= text_start and block[start - 2] in _DIGITS
        ):
            return False
    if phrase[-1].isdigit() and end < text_end:
        following = block[end]
        if following in _DIGITS:
            return False
        if following in _SEPARATORS and end + 1 < text_end and block[end + 1] in _DIGITS:
            return False
    return True


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
