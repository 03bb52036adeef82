"""The digest as Markdown (stored, and the plain-text e-mail), as sanitised HTML, and as page data.

Everything here words the sections in the active language: the stored Markdown and
HTML in settings.LANGUAGE_CODE, a page in its reader's.
"""

import datetime
import html
import re

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bulletin.digest.sections import SECTION_TITLES, ChangeSection, Section, TextSection, text_entry_detail
from changes.models import Category, Channel, Severity
from changes.rendering import sanitize_html

_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|~])")


def text_entry_fix_link(entry) -> tuple[str, str] | None:
    """("Open in Zendesk", its edit link) of a text to update, in the active language; None without a link."""
    if not entry.fix_url:
        return None
    if entry.helpdesk:
        return _("Open in %(helpdesk)s") % {"helpdesk": entry.helpdesk}, entry.fix_url
    return _("Open in the help desk"), entry.fix_url


def md_escape(text: str) -> str:
    """Literal text inside Markdown: no emphasis, links or raw HTML from a title."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text or "", quote=False))


def markdown_as_text(markdown: str) -> str:
    """The Markdown made pleasant as a plain-text e-mail: no escapes, entities or <del> tags."""
    text = re.sub(r"</?del>", "~~", markdown)
    return html.unescape(re.sub(r"\\([\\`*_\[\]#|~])", r"\1", text))


def section_title(section: Section) -> str:
    return str(SECTION_TITLES.get(section.key, section.title))


def texts_more_title(count: int) -> str:
    return ngettext("%(count)s more text to update", "%(count)s more texts to update", count) % {"count": count}


def changes_more_line(count: int) -> str:
    return ngettext("… and %(more)s more on the web page", "… and %(more)s more on the web page", count) % {
        "more": count
    }


def _date(value: str | None) -> str:
    if not value:
        return _("open end")
    return formats.date_format(datetime.date.fromisoformat(value), "SHORT_DATE_FORMAT")


def entry_markdown(entry: dict) -> str:
    channels = dict(Channel.choices)
    severities = dict(Severity.choices)
    meta = [
        md_escape(entry["team"]),
        f"{_date(entry['effective_from'])} – {_date(entry['effective_until'])}",
        ", ".join(str(channels.get(c, c)) for c in entry["channels"]),
        str(severities.get(entry["severity"], entry["severity"])),
    ]
    if entry["late"] and entry["notice_days"] < 0:
        meta.append("**" + _("late: announced after it took effect") + "**")
    elif entry["late"]:
        days = entry["notice_days"]
        notice = ngettext("late: %(days)s day's notice", "late: %(days)s days' notice", days) % {"days": days}
        meta.append(f"**{notice}**")
    if entry.get("handover_due"):  # entries compiled before handovers existed have no such key
        meta.append("**" + _("handover to support not confirmed") + "**")
    lines = [f"#### [{md_escape(entry['title'])}]({entry['url']})", "", " · ".join(meta), ""]
    if entry["customer_impact"].strip():
        lines += [f"**{_('What the customer will feel')}:**", "", entry["customer_impact"].strip(), ""]
    if entry["support_guidance"].strip():
        lines += [f"**{_('What to say')}:**", "", entry["support_guidance"].strip(), ""]
    if entry["facts"]:
        lines += [f"**{_('Facts that change')}:**", ""]
        lines += [f"- <del>{md_escape(old)}</del> → {md_escape(new) or '—'}" for old, new in entry["facts"]]
        lines.append("")
    return "\n".join(lines)


def _section_markdown(section: Section) -> list[str]:
    if isinstance(section, TextSection):
        if not section.count:
            return []
        lines = [f"## {section_title(section)}", ""]
        for entry in section.entries:
            link = text_entry_fix_link(entry)
            fix = f" · [{md_escape(link[0])}]({link[1].replace(')', '%29')})" if link else ""
            lines.append(f"- [{md_escape(entry.title)}]({entry.url}): {md_escape(text_entry_detail(entry))}{fix}")
        if section.more:
            detail = md_escape(_("in the flags queue"))
            lines.append(f"- [{md_escape(texts_more_title(section.more))}]({section.more_url}): {detail}")
        return [*lines, ""]
    lines = [f"## {section_title(section)}", ""]
    if not section.groups:
        lines += ["_" + _("Nothing.") + "_", ""]
    categories = dict(Category.choices)
    for group in section.groups:
        lines += [f"### {md_escape(str(categories.get(group.category, group.label)))}", ""]
        lines += [entry_markdown(entry) for entry in group.entries]
    if section.more:
        lines += [f"_{changes_more_line(section.more)}_", ""]
    return lines


def digest_markdown(*, week: str, monday: datetime.date, sections: list[Section]) -> str:
    """The digest as Markdown, in the active language."""
    sunday = monday + datetime.timedelta(days=6)
    short = "SHORT_DATE_FORMAT"
    lines = [
        "# " + _("Bulletin %(week)s") % {"week": week},
        "",
        f"{formats.date_format(monday, short)} – {formats.date_format(sunday, short)}",
        "",
        " · ".join(f"**{s.count}** {section_title(s)}" for s in sections if isinstance(s, ChangeSection)),
        "",
    ]
    for section in sections:
        lines += _section_markdown(section)
    return "\n".join(lines).strip() + "\n"


def _entry_for_display(entry: dict) -> dict:
    channels, severities = dict(Channel.choices), dict(Severity.choices)
    until = entry["effective_until"]
    return {
        **entry,
        "effective_from": datetime.date.fromisoformat(entry["effective_from"]),
        "effective_until": datetime.date.fromisoformat(until) if until else None,
        "channel_labels": [channels.get(c, c) for c in entry["channels"]],
        "severity_label": severities.get(entry["severity"], entry["severity"]),
    }


def sections_for_display(sections: list[Section]) -> list[dict]:
    """Section data for templates: titles, labels and lines in the active language, dates as dates.

    A texts section with nothing to update is left out (it has no fixed place).
    """
    categories = dict(Category.choices)
    shown = []
    for section in sections:
        item = {"key": section.key, "kind": section.kind, "title": section_title(section), "count": section.count}
        if isinstance(section, ChangeSection):
            item["more"] = section.more
            item["groups"] = [
                {
                    "label": categories.get(group.category, group.label),
                    "entries": [_entry_for_display(entry) for entry in group.entries],
                }
                for group in section.groups
            ]
        elif not section.count:
            continue
        else:
            item["entries"] = [
                {
                    "title": entry.title,
                    "url": entry.url,
                    "detail": text_entry_detail(entry),
                    **dict(zip(("fix_label", "fix_url"), text_entry_fix_link(entry) or (), strict=False)),
                }
                for entry in section.entries
            ]
            if section.more:
                title, detail = texts_more_title(section.more), _("in the flags queue")
                item["entries"].append({"title": title, "url": section.more_url, "detail": detail})
        shown.append(item)
    return shown


def digest_html(*, week: str, monday: datetime.date, sections: list[Section], url: str) -> str:
    """The digest as sanitised HTML, in the active language.

    Rendered from the same section data as the Markdown (not from the Markdown
    text): python-markdown takes ~20 s on a 5,000-change digest, a template
    under a second. User-written parts are the changes' stored sanitised HTML,
    and the whole result goes through sanitize_html once more.
    """
    body = render_to_string(
        "bulletin/digest_body.html",
        {
            "digest": {"week": week, "monday": monday},
            "sunday": monday + datetime.timedelta(days=6),
            "sections": sections_for_display(sections),
            "digest_url": url,
        },
    )
    return sanitize_html(body)


def digest_page_url(week: str) -> str:
    return settings.SITE_URL + reverse("bulletin:digest-week", args=[week])
