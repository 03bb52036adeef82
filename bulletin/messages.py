"""Messages to people: one rendering per channel, each from its templates over one context.

A message called <name> is written by four templates under bulletin/templates/bulletin/messages/:
<name>-subject.txt and <name>-body.txt (the e-mail's subject and text part), <name>-body.html (its HTML
part) and <name>-slack.json (Slack's Block Kit). All four share one context and one set of translatable
strings, and are rendered in the language of the person they go to (LANGUAGE_CODE for a team's channel).

The HTML part is written with classes and a style sheet (mail.css), since mail clients drop style sheets the CSS
is inlined (css-inline), and the result is sanitised once more, keeping only the styles the sheet uses.
"""

import json
import re
from pathlib import Path

import css_inline
import nh3
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import ngettext

from changes.rendering import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, URL_SCHEMES
from notifications.models import Subscription
from notifications.unsubscribe import UNSUBSCRIBE_URL_MARK

TEMPLATES = "bulletin/messages"
MAIL_CSS = (Path(__file__).parent / "templates" / TEMPLATES / "mail.css").read_text(encoding="utf-8")
_INLINER = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)

# The mail layout's tags and styles on top of what a change's own text may hold (changes.rendering).
MAIL_TAGS = ALLOWED_TAGS | {"div", "span", "ins", "center"}
MAIL_ATTRIBUTES = {
    **ALLOWED_ATTRIBUTES,
    "*": {"style"},
    "table": {"width", "role", "cellpadding", "cellspacing", "border", "align"},
    "td": {"align", "valign", "width"},
    "th": {"align", "valign", "width"},
}
MAIL_STYLE_PROPERTIES = {
    "background", "background-color", "border", "border-bottom", "border-collapse", "border-left",
    "border-radius", "border-top", "color", "display", "font-family", "font-size", "font-weight", "letter-spacing",
    "line-height", "margin", "margin-bottom", "margin-top", "max-width", "padding", "padding-bottom", "padding-left",
    "padding-right", "padding-top", "text-align", "text-decoration", "text-transform", "vertical-align", "width",
    "word-break",
}

# Slack's documented limits for a message: https://api.slack.com/reference/block-kit/blocks
SLACK_MAX_BLOCKS = 50
SLACK_MAX_SECTION_TEXT = 3000
SLACK_MAX_FIELD_TEXT = 2000
SLACK_MAX_FIELDS = 10
SLACK_MAX_HEADER_TEXT = 150
SLACK_MAX_FALLBACK_TEXT = 4000
# A block the template marks with this key is one item (one change): the part dropped, counted, when too long.
SLACK_ITEM_MARK = "_item"
_BLANK_LINES = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")


def slack_escape(text: str) -> str:
    # Slack mrkdwn treats &, < and > as control characters.
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int) -> str:
    """`text` within `limit` characters, ending with "…"; never inside a <link|label>, which Slack would show raw."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if cut.rfind("<") > cut.rfind(">"):
        cut = cut[: cut.rfind("<")]
    return cut.rstrip() + "…"


def _fit_block(block: dict) -> dict:
    text = block.get("text")
    if isinstance(text, dict) and "text" in text:
        limit = SLACK_MAX_HEADER_TEXT if block.get("type") == "header" else SLACK_MAX_SECTION_TEXT
        block["text"] = {**text, "text": _cut(text["text"], limit)}
    if block.get("fields"):
        block["fields"] = [
            {**field, "text": _cut(field["text"], SLACK_MAX_FIELD_TEXT)} for field in block["fields"][:SLACK_MAX_FIELDS]
        ]
    if block.get("elements") and block.get("type") == "context":
        block["elements"] = [
            {**element, "text": _cut(element["text"], SLACK_MAX_SECTION_TEXT)} if "text" in element else element
            for element in block["elements"][:10]
        ]
    return block


def slack_fit(message: dict, *, more_url: str) -> dict:
    """The rendered Slack message within Slack's limits: at most 50 blocks, every text within its length.

    Items beyond the room are dropped and counted in a last line, "… and N more", linking to `more_url`.
    """
    blocks = message.get("blocks", [])
    tail_start = len(blocks)
    while tail_start and blocks[tail_start - 1].get("type") in {"divider", "actions"}:
        tail_start -= 1  # the closing link stays, whatever is dropped
    head, tail = blocks[:tail_start], blocks[tail_start:]
    room = SLACK_MAX_BLOCKS - len(tail)
    if len(head) > room:
        room -= 1  # for the "and N more" line
        dropped = sum(1 for block in head[room:] if block.get(SLACK_ITEM_MARK))
        head = head[:room]
        while head and not head[-1].get(SLACK_ITEM_MARK) and head[-1].get("type") != "header":
            head.pop()  # a section's title without any of its changes
        more = ngettext("… and %(more)s more on the web page", "… and %(more)s more on the web page", dropped)
        line = f"<{more_url}|{slack_escape(more % {'more': dropped})}>"
        head.append({"type": "context", "elements": [{"type": "mrkdwn", "text": line}]})
    fitted = [_fit_block({k: v for k, v in block.items() if k != SLACK_ITEM_MARK}) for block in head + tail]
    return {"text": _cut(message.get("text", ""), SLACK_MAX_FALLBACK_TEXT), "blocks": fitted}


def mail_html(body: str) -> str:
    """The HTML part: the rendered body with mail.css inlined, sanitised, in a document mail clients expect."""
    inlined = _INLINER.inline_fragment(body, MAIL_CSS)
    clean = nh3.clean(
        inlined,
        tags=MAIL_TAGS,
        attributes=MAIL_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        filter_style_properties=MAIL_STYLE_PROPERTIES,
        link_rel="noopener noreferrer nofollow",
    )
    return render_to_string(f"{TEMPLATES}/_document.html", {"body": clean, "lang": translation.get_language()})


def message_context(**context) -> dict:
    """What every message's templates get beside their own: the site, and each reader's way out."""
    return {
        "site_url": settings.SITE_URL,
        "unsubscribe_url": UNSUBSCRIBE_URL_MARK,  # each subscriber's own link replaces it when sent
        "subscriptions_url": settings.SITE_URL + reverse("notifications:email"),
        **context,
    }


def message_text(name: str, context: dict) -> str:
    """The text part of the message `name`, in the active language, without the runs of blank lines that a
    template's tags leave."""
    return _BLANK_LINES.sub("\n\n", render_to_string(f"{TEMPLATES}/{name}-body.txt", context)).strip() + "\n"


def message_render(name: str, context: dict, *, language: str, more_url: str, slack: bool = True) -> dict[str, dict]:
    """{"email": …, "slack": …}: the message `name` for e-mail and (unless `slack` is False) Slack, in `language`."""
    context = message_context(**context)
    with translation.override(language):
        subject = " ".join(render_to_string(f"{TEMPLATES}/{name}-subject.txt", context).split())
        email = {
            "subject": subject,
            "text": message_text(name, context),
            "html": mail_html(render_to_string(f"{TEMPLATES}/{name}-body.html", context)),
            "headers": {},
        }
        rendered = {Subscription.Kind.EMAIL: email}
        if slack:
            blocks = json.loads(render_to_string(f"{TEMPLATES}/{name}-slack.json", context))
            rendered[Subscription.Kind.SLACK] = slack_fit(blocks, more_url=more_url)
    return rendered
