"""The change calendar as iCalendar: one all-day event per published change.

- An event covers the change's effective window: DTSTART is `effective_from`,
  DTEND the day after `effective_until` (iCalendar's DTEND is exclusive).
- A change with an open end runs to a rolling horizon: DTEND is the day after
  today + CALENDAR_OPEN_END_DAYS (or after its first day, if that lies beyond).
  A calendar app then shows it on every day it is in effect, the long-started
  ones too (the API counts them as active today), while the reader's
  calendar is not covered for ever; each refresh of the subscription moves
  the end a day on, and the description says "open end" so the bar's last
  day is not read as the change's.
- UID is stable per change, SEQUENCE its revision, so an edited change
  replaces the event in the reader's calendar instead of adding a copy.
- A withdrawn change stays in the feed as STATUS:CANCELLED so calendars
  remove the event; its SEQUENCE is revision + 1 because RFC 5545 wants a
  cancellation to outrank the event it cancels.
- Changes that ended more than CALENDAR_PAST_DAYS ago are left out.
"""

import datetime
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from changes.models import Category, Change
from changes.permissions import changes_visible_to

CALENDAR_PAST_DAYS = 180
# A quarter ahead: beyond the planning a reader does in a calendar, and far past any subscription refresh interval.
CALENDAR_OPEN_END_DAYS = 90
ONE_DAY = datetime.timedelta(days=1)


def calendar_changes(*, user, team=None, category: str | None = None):
    """Published and withdrawn changes `user` may see for the calendar, optionally for one team or category."""
    since = timezone.localdate() - datetime.timedelta(days=CALENDAR_PAST_DAYS)
    queryset = (
        changes_visible_to(user)
        .filter(status__in=[Change.Status.PUBLISHED, Change.Status.WITHDRAWN])
        .filter(Q(effective_until__isnull=True) | Q(effective_until__gte=since) | Q(effective_from__gte=since))
        .select_related("team")
        .order_by("effective_from", "id")
    )
    if team is not None:
        queryset = queryset.filter(team=team)
    if category:
        queryset = queryset.filter(category=category)
    return queryset


def calendar_name(*, team=None, category: str | None = None) -> str:
    """The calendar's display name, after its filter: a reader subscribing to several tells them apart."""
    parts = [team.name] if team is not None else []
    if category:
        parts.append(str(Category(category).label))
    if not parts:
        return "Bulletin"
    return _("Bulletin – %(filter)s") % {"filter": ", ".join(parts)}


def _event(change: Change, host: str, today: datetime.date) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", f"change-{change.pk}@{host}")
    event.add("dtstamp", change.updated_at)
    event.add("last-modified", change.updated_at)
    event.add("dtstart", change.effective_from)
    if change.effective_until is None:
        last_day = max(change.effective_from, today + datetime.timedelta(days=CALENDAR_OPEN_END_DAYS))
    else:
        last_day = change.effective_until
    event.add("dtend", last_day + ONE_DAY)
    event.add("summary", f"{change.title} ({change.team.name})")
    url = settings.SITE_URL + change.get_absolute_url()
    event.add("url", url)
    lines = [change.customer_impact.strip()]
    if change.effective_until is None:
        lines.append(
            _(
                "Open end: in effect from %(day)s until further notice. Shown up to %(last)s; each day the calendar "
                "extends it by one day."
            )
            % {"day": change.effective_from.isoformat(), "last": last_day.isoformat()}
        )
    lines.append(url)
    event.add("description", "\n\n".join(line for line in lines if line))
    event.add("categories", [change.get_category_display()])
    # Informational: the change does not make the reader busy.
    event.add("transp", "TRANSPARENT")
    if change.status == Change.Status.WITHDRAWN:
        event.add("status", "CANCELLED")
        event.add("sequence", change.revision + 1)
    else:
        event.add("status", "CONFIRMED")
        event.add("sequence", change.revision)
    return event


def calendar_build(*, changes, name: str = "Bulletin") -> bytes:
    """An iCalendar (RFC 5545) document with one all-day event per change."""
    host = urlsplit(settings.SITE_URL).hostname or "bulletin"
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Bulletin//Change calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    # No METHOD: a subscribed feed is not an iTIP message (RFC 5546). METHOD:PUBLISH would make the events
    # scheduling objects that need an ORGANIZER (libical flags each one), and with an ORGANIZER calendar apps show
    # them as invitations from that address; RFC 5545 (3.7.2) also ties METHOD to a `method=` on the Content-Type.
    calendar.calendar_name = name  # NAME (RFC 7986) and X-WR-CALNAME, which most apps still read
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    today = timezone.localdate()
    for change in changes:
        calendar.add_component(_event(change, host, today))
    return calendar.to_ical()
