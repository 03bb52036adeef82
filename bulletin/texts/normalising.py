"""The normalised form texts and phrases are compared in.

HTML is read as its visible text, then NFKC, case folded, invisible characters
(soft hyphens, zero-width spaces and joiners, a byte-order mark) dropped, every
dash variant one "-" without spaces around it, every whitespace run one space,
typographic quotes folded. The normalised body is stored with each text (computing it costs more than
scanning it), so a scan only runs the automaton over stored strings.
"""

import html
import re
import unicodedata

DASHES = "-\u2013\u2014\u2212\u2011\u2010\u2012\ufe63\uff0d\u2015"
DOUBLE_QUOTES = "\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033\u301d\u301e"
SINGLE_QUOTES = "\u2018\u2019\u201a\u201b\u2039\u203a\u2032`\u00b4"
# Soft hyphen, zero-width space, non-joiner, joiner, word joiner, byte-order mark: invisible on screen, so a
# text holding one inside "5–7 Werktage" looks like it says it, and it does.
INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_FOLD = str.maketrans(
    {
        **{c: "-" for c in DASHES},
        **{c: '"' for c in DOUBLE_QUOTES},
        **{c: "'" for c in SINGLE_QUOTES},
        **{c: None for c in INVISIBLE},
    }
)

# Tags that separate words when a browser renders them; other tags (b, i, span, a …) do not.
_BLOCK_TAGS = frozenset(
    "address article aside blockquote br dd div dl dt figcaption figure footer form h1 h2 h3 h4 h5 h6 header hr "
    "li main nav ol p pre section table tbody td tfoot th thead tr ul".split()
)
# Comments, script/style with their content, tags, and character references the way html.unescape sees them.
TOKEN_RE = re.compile(
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
SPACE_RE = re.compile(r"\s+")


def looks_like_html(text: str) -> bool:
    """True when the text holds an HTML element, a comment or a character reference; such bodies are read as
    their visible text."""
    return _HTML_HINT_RE.search(text) is not None


def display_text(body: str) -> str:
    """What a reader of the help centre sees of a body: an HTML body as plain text with its line breaks
    (scripts, styles and comments dropped, entities decoded); a plain body as it is."""
    if not looks_like_html(body):
        return body
    text = TOKEN_RE.sub(lambda match: token_text(match, block_break="\n"), body)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def token_text(match: re.Match, *, block_break: str = " ") -> str:
    """What a comment, script, tag or character reference shows: nothing, `block_break` for a tag that
    separates words, or the character."""
    if match.group("skip"):
        return ""
    if match.group("tag"):
        return block_break if match.group("name").lower() in _BLOCK_TAGS else ""
    return html.unescape(match.group("entity"))


_FOLD_RE = re.compile(f"[{re.escape(DASHES + DOUBLE_QUOTES + SINGLE_QUOTES + INVISIBLE)}]")


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    # str.translate walks every character in Python objects; most texts hold few of these, so search first.
    return text.translate(_FOLD) if _FOLD_RE.search(text) else text


def normalise(text: str) -> str:
    """The form texts and phrases are compared in (see the module docstring)."""
    if not text:
        return ""
    if looks_like_html(text):
        text = TOKEN_RE.sub(token_text, text)
    # str.split() splits on the same whitespace as str.isspace() (normalise_mapped relies on that).
    text = " ".join(fold(text).split())
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
        for match in TOKEN_RE.finditer(text):
            add_plain(position, match.start())
            units.append((token_text(match), match.start(), match.end()))
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
        chars.extend((char, start, end) for char in fold(piece))

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
