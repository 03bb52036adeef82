"""Markdown to HTML that is safe to put on any page, e-mail or feed.

python-markdown passes raw HTML, `javascript:` links and event handlers straight
through, so every rendering is cleaned by nh3 against an explicit allowlist.
"""

from html import escape

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
