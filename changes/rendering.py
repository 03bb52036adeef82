"""Markdown to HTML that is safe to put on any page, e-mail or feed.

python-markdown passes raw HTML, `javascript:` links and event handlers straight
through, so every rendering is cleaned by nh3 against an explicit allowlist.
"""

import markdown
import nh3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}, "th": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


def render_markdown(text: str) -> str:
    """Render Markdown to sanitised HTML; an empty text gives an empty string."""
    if not text or not text.strip():
        return ""
    html = markdown.markdown(text, extensions=["extra", "sane_lists", "nl2br"], output_format="html")
    return sanitize_html(html)
