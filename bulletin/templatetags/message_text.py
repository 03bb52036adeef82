"""Filters for the message templates (bulletin/messages.py): plain text from a stored rendering, and Slack's JSON."""

import json

from django import template
from django.utils.safestring import mark_safe

from bulletin.messages import slack_escape
from changes.rendering import html_as_plain_text

register = template.Library()


@register.filter
def plain_html(html: str) -> str:
    """A change's stored, sanitised rendering as plain text: cheaper than rendering its Markdown again."""
    return html_as_plain_text(html or "")


@register.filter
def slack(text) -> str:
    return slack_escape("" if text is None else text)


@register.filter
def json_string(text) -> str:
    """The text as one JSON string, quotes included: Slack templates are JSON."""
    return mark_safe(json.dumps(str(text), ensure_ascii=False))


@register.filter
def one_line(text) -> str:
    # Slack's ~struck~ and *bold* end at a line break.
    return " ".join(str(text or "").split())


@register.filter
def indent(text, spaces=4) -> str:
    """Every line after the first indented: a multi-line value stays under its label in a text e-mail."""
    lines = str(text or "").split("\n")
    return "\n".join([lines[0], *((" " * int(spaces) + line) if line.strip() else "" for line in lines[1:])])
