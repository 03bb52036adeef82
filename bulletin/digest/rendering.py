"""The digest as Markdown (stored, and the plain-text e-mail), as sanitised HTML, and as page data.

Everything here words the sections in the active language: the stored Markdown and
HTML in settings.LANGUAGE_CODE, a page in its reader's.
"""

import datetime
import html
import re

import nh3
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from bulletin.digest.sections import SECTION_TITLES, ChangeSection, Section, TextSection, text_entry_detail
from changes.models import Category, Channel, Severity
from changes.rendering import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, URL_SCHEMES

_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|~])")

# Mail clients drop style sheets, so the e-mail's headings carry their look themselves, as the page's do in
# bulletin.css: a section opens with a band, a category inside it is a small grey label.
EMAIL_HEADING_STYLES = {
    "section": "margin:28px 0 10px;padding:6px 10px;background:#e8eef4;border-left:6px solid #1f2933;font-size:20px",
    "category": (
        "margin:18px 0 6px;padding-bottom:2px;border-bottom:1px solid #d9e2ec;color:#616e7c;"
        "font-size:13px;font-weight:600;letter-spacing:1px;text-transform:uppercase"
    ),
}


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


def section_title(section: Section) -> str:
    return str(SECTION_TITLES.get(section.key, section.title))


def texts_more_title(count: int) -> str:
    return ngettext("%(count)s more text to update", "%(count)s more texts to update", count) % {"count": count}


def changes_more_line(count: int) -> str:
    return ngettext("… and %(more)s more on the web page", "… and %(more)s more on the web page", count) % {
        "more": count
    }


def week_dates(monday: datetime.date) -> str:
    """Monday to Sunday in the active language: "30 Nov – 6 Dec 2026", in German "30.11.–06.12.2026"."""
    sunday = monday + datetime.timedelta(days=6)
    # Translators: a Django date format (as for the "date" template filter) for the last day of a date range.
    end_format = pgettext("date format", "j M Y")
    # Translators: a Django date format for the first day of a date range whose last day is in the same year.
    start_format = pgettext("date format", "j M") if monday.year == sunday.year else end_format
    return pgettext("range of dates", "%(start)s – %(end)s") % {
        "start": formats.date_format(monday, start_format),
        "end": formats.date_format(sunday, end_format),
    }


def digest_headline(*, monday: datetime.date, compiled_at: datetime.datetime | None = None) -> str:
    """The digest's one-line header in the active language, on the page and in the e-mail:
    "Week 49 · 30 Nov – 6 Dec 2026 · compiled 30 Nov 2026, 06:00"."""
    parts = [_("Week %(number)s") % {"number": monday.isocalendar().week}, week_dates(monday)]
    if compiled_at is not None:
        # Translators: a Django date format (as for the "date" template filter) for a day and a time of day.
        when = formats.date_format(timezone.localtime(compiled_at), pgettext("date format", "j M Y, H:i"))
        parts.append(_("compiled %(when)s") % {"when": when})
    return " · ".join(parts)


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


def digest_markdown(
    *, week: str, monday: datetime.date, sections: list[Section], compiled_at: datetime.datetime | None = None
) -> str:
    """The digest as Markdown, in the active language.

    The stored Markdown is made without `compiled_at`: the Markdown is part of the content hash, and a
    compilation that finds nothing new must not make a new revision. The e-mail's text, made when sent, has it.
    """
    lines = [
        "# " + _("Bulletin %(week)s") % {"week": week},
        "",
        md_escape(digest_headline(monday=monday, compiled_at=compiled_at)),
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
        # Strings, not lazy ones: a text template's join (no autoescaping) cannot join lazy strings.
        "channel_labels": [str(channels.get(c, c)) for c in entry["channels"]],
        "severity_label": str(severities.get(entry["severity"], entry["severity"])),
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


def sanitize_email_html(body: str) -> str:
    """changes.rendering.sanitize_html that keeps the headings' EMAIL_HEADING_STYLES: a style attribute passes
    only with exactly one of those values (one written into a change's text does not)."""
    styles = {"h2": {"style": {EMAIL_HEADING_STYLES["section"]}}, "h3": {"style": {EMAIL_HEADING_STYLES["category"]}}}
    return nh3.clean(
        body,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        tag_attribute_values=styles,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


def digest_html(
    *, week: str, monday: datetime.date, sections: list[Section], url: str, compiled_at: datetime.datetime | None = None
) -> str:
    """The digest as sanitised HTML, in the active language.

    Rendered from the same section data as the Markdown (not from the Markdown
    text): python-markdown takes ~20 s on a 5,000-change digest, a template
    under a second. User-written parts are the changes' stored sanitised HTML,
    and the whole result goes through the sanitiser once more.
    """
    body = render_to_string(
        "bulletin/digest_body.html",
        {
            "digest": {"week": week, "monday": monday},
            "headline": digest_headline(monday=monday, compiled_at=compiled_at),
            "sections": sections_for_display(sections),
            "digest_url": url,
            "heading_styles": EMAIL_HEADING_STYLES,
        },
    )
    return sanitize_email_html(body)


def digest_page_url(week: str) -> str:
    return settings.SITE_URL + reverse("bulletin:digest-week", args=[week])
