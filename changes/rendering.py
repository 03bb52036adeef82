"""Markdown to HTML that is safe to put on any page, e-mail or feed.

python-markdown passes raw HTML, `javascript:` links and event handlers straight
through, so every rendering is cleaned by nh3 against an explicit allowlist.
"""

import functools
import re
from html import escape, unescape

import markdown
import nh3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}, "th": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}
# What a change's Markdown fields hold at most: pages of text, far below what makes rendering slow.
MARKDOWN_MAX_LENGTH = 10_000
MAX_LINK_BRACKETS = 200


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


def render_markdown(text: str) -> str:
    """Render Markdown to sanitised HTML; an empty text gives an empty string.

    python-markdown is quadratic on some inputs and recursive on nested lists, so a
    hostile text could hold a worker for minutes or crash it. Texts are capped at
    MARKDOWN_MAX_LENGTH where they are written (about a second for the worst input
    measured); here the two worst cases are defused.
    """
    if not text or not text.strip():
        return ""
    if text.count("[") > MAX_LINK_BRACKETS:
        # The link parser scans ahead for every "[" (17 s for 10,000 of them); no real text has this many links.
        text = text.replace("[", "\\[")
    try:
        html = markdown.markdown(text, extensions=["extra", "sane_lists", "nl2br"], output_format="html")
    except RecursionError:  # lists or quotes nested thousands deep
        html = "<p>" + escape(text).replace("\n", "<br>") + "</p>"
    return sanitize_html(html)


_LINK = re.compile(r'<a\b[^>]*?\bhref="([^"]*)"[^>]*>(.*?)</a>', re.DOTALL)
_LINE_BREAK = re.compile(r"<br>\n?")
_BLOCK_END = re.compile(r"</(?:p|h[1-6]|blockquote|pre|table)>|<hr>")
_INNERMOST_LIST = re.compile(r"<(ol|ul)>((?:(?!<[ou]l>).)*?)</\1>", re.DOTALL)
_LIST_ITEM = re.compile(r"<li>(.*?)</li>", re.DOTALL)
_TABLE_CELL_GAP = re.compile(r"</t[hd]>\s*<t[hd][^>]*>")
_TABLE_ROWS = re.compile(r"\s*(?:</?(?:thead|tbody|tr)>\s*)+")
# A tag of sanitised HTML: nh3 writes every attribute value in double quotes and escapes "<" and ">" in text.
_TAG = re.compile(r'<(?:[^>"]|"[^"]*")*>')
_BLANK_LINES = re.compile(r"\n{3,}")


def markdown_as_plain_text(markdown_text: str) -> str:
    """A Markdown field as plain text, for e-mail text parts, Slack and API readers that show no HTML.

    What the HTML rendering says, without markup: no `**`, no tags, entities decoded. A link reads
    "text (url)", or its address alone when that is its text; list items start with "- " or "1. ", table
    cells are separated by " | ", blocks by a blank line. The result is plain text, not HTML: whatever
    makes HTML or Slack mrkdwn of it escapes it there.
    """
    return html_as_plain_text(render_markdown(markdown_text))


def html_as_plain_text(html: str) -> str:
    """The plain text of HTML as render_markdown makes it (sanitised, so tags and attributes are well formed).

    The API reads the stored rendering with this: cheaper than rendering the Markdown again, and cached, as a
    page of 200 changes would otherwise spend about 10 ms here on every read. Long texts are rare and are not
    kept, so the cache stays within a few megabytes.
    """
    if not html:
        return ""
    return _plain_text_cached(html) if len(html) <= 4000 else _plain_text(html)


@functools.lru_cache(maxsize=2048)
def _plain_text_cached(html: str) -> str:
    return _plain_text(html)


def _plain_text(html: str) -> str:
    text = _LINK.sub(_link_as_text, html)
    text = _LINE_BREAK.sub("\n", text)
    if "<table>" in text:
        text = _TABLE_CELL_GAP.sub(" | ", text)
        text = _TABLE_ROWS.sub("\n", text)
    text = _BLOCK_END.sub("\n\n", text)
    previous = None
    while previous != text:  # innermost lists first, so an inner list becomes part of its item's text
        previous, text = text, _INNERMOST_LIST.sub(_list_as_text, text)
    # The tags by pattern, not by nh3.clean(tags=set()): an HTML parser moves text it finds in a <table>
    # without rows out in front of the table.
    text = unescape(_TAG.sub("", text))
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()


def _link_as_text(match: re.Match) -> str:
    address, label = unescape(match.group(1)), match.group(2)
    shown = unescape(_TAG.sub("", label)).strip()
    if not address or address in (shown, f"mailto:{shown}"):
        return label
    return f"{label} ({escape(address)})"


def _list_as_text(match: re.Match) -> str:
    ordered = match.group(1) == "ol"
    lines = []
    for number, item in enumerate(_LIST_ITEM.findall(match.group(2)), start=1):
        first, *rest = item.strip().split("\n")
        lines.append((f"{number}. " if ordered else "- ") + first)
        lines += ["   " + line if line.strip() else "" for line in rest]
    # One newline before: a list nested in an item follows its first line directly.
    return "\n" + "\n".join(lines) + "\n\n"
