"""Late news: a change published, edited or withdrawn after this week's digest went out.

An addendum is recorded when the change touches this week's digest (before or
after the edit). Edits arriving while an addendum is pending update that row,
and it is sent DIGEST_ADDENDUM_DELAY_SECONDS after the first edit, so three
edits in a minute send one addendum. Sending marks the row sent and records one
outbox delivery per subscription with the "addendum" topic that wants the change.
"""

import datetime
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bulletin.digest.delivery import digest_url, email_footer, slack_escape, subscription_wants_entry
from bulletin.digest.models import Addendum, Digest
from bulletin.digest.rendering import markdown_as_text, md_escape
from bulletin.digest.sections import COMING_UP_DAYS, ChangeSection, change_entry, sections_from_json
from bulletin.weeks import week_label
from changes.models import Category, Change, Channel, Severity
from changes.rendering import render_markdown
from config.celery import broker_try_again, enqueue_on_commit
from notifications.models import Subscription
from notifications.outbox import outbox_enqueue
from notifications.subscriptions import subscriptions_for_topic

logger = logging.getLogger(__name__)

ADDENDUM_TOPIC = "addendum"

# The fields whose change support must hear about, in the order shown.
FIELD_LABELS = {
    "status": gettext_lazy("Status"),
    "title": gettext_lazy("Title"),
    "team": gettext_lazy("Team"),
    "category": gettext_lazy("Category"),
    "severity": gettext_lazy("Severity"),
    "effective_from": gettext_lazy("Effective from"),
    "effective_until": gettext_lazy("Effective until"),
    "channels": gettext_lazy("Channels"),
    "customer_impact": gettext_lazy("What the customer will feel"),
    "support_guidance": gettext_lazy("What to say"),
    "facts": gettext_lazy("Facts that change"),
}


def _touches(entry: dict | None, monday: datetime.date) -> bool:
    """Whether the entry would appear in the digest of the week starting `monday` (or in its Coming up)."""
    if entry is None:
        return False
    horizon = monday + datetime.timedelta(days=6 + COMING_UP_DAYS)
    starts = datetime.date.fromisoformat(entry["effective_from"])
    ends = datetime.date.fromisoformat(entry["effective_until"]) if entry["effective_until"] else None
    return starts <= horizon and (ends is None or ends >= monday)


def entry_diff(before: dict | None, after: dict) -> list[list]:
    """[[field, old, new], ...] for the fields that matter; everything is new when there is no `before`."""
    return [
        [name, before.get(name) if before else None, after.get(name)]
        for name in FIELD_LABELS
        if before is None or before.get(name) != after.get(name)
    ]


def _digest_entry(digest: Digest, change_id: int) -> dict | None:
    for section in sections_from_json(digest.sections):
        if isinstance(section, ChangeSection):
            for group in section.groups:
                for entry in group.entries:
                    if entry["id"] == change_id:
                        return entry
    return None


def _value(name: str, value) -> str:
    if value in (None, "", []):
        return "—"
    if name in {"effective_from", "effective_until"}:
        return formats.date_format(datetime.date.fromisoformat(value), "SHORT_DATE_FORMAT")
    if name == "channels":
        labels = dict(Channel.choices)
        return ", ".join(str(labels.get(c, c)) for c in value)
    if name == "facts":
        return "; ".join(f"{old} → {new or '—'}" for old, new in value)
    choices = {"category": Category, "severity": Severity, "status": Change.Status}.get(name)
    if choices is not None:
        return str(dict(choices.choices).get(value, value))
    return str(value)


def _addendum_parts(*, digest: Digest, event: str, fields: list[list], escape) -> tuple[str, str, list]:
    """(heading, verb, [(label, old or None, new)]) in the active language, values escaped with `escape`;
    one line per field: a blank line inside a value would end a list."""
    verb = {
        Addendum.Event.PUBLISHED: _("was published"),
        Addendum.Event.UPDATED: _("was changed"),
        Addendum.Event.WITHDRAWN: _("was withdrawn"),
    }[event]
    heading = _("Addendum to %(week)s") % {"week": digest.week}  # not inside an f-string: gettext must find it
    rows = []
    for name, old, new in fields:
        old_text, new_text = (" ".join(escape(_value(name, value)).split()) for value in (old, new))
        shown_old = None if old is None and event != Addendum.Event.UPDATED else old_text
        rows.append((FIELD_LABELS[name], shown_old, new_text))
    return heading, verb, rows


def addendum_markdown(*, digest: Digest, event: str, after: dict, fields: list[list]) -> str:
    """The addendum as Markdown in the active language; values are escaped, never rendered as Markdown."""
    heading, verb, rows = _addendum_parts(digest=digest, event=event, fields=fields, escape=md_escape)
    lines = [
        f"**{heading}:** [{md_escape(after['title'])}]({after['url']}) ({md_escape(after['team'])}) {verb}.",
        "",
    ]
    for label, old, new in rows:
        lines.append(f"- **{label}:** {new}" if old is None else f"- **{label}:** <del>{old}</del> → {new}")
    return "\n".join(lines) + "\n"


def addendum_slack(*, digest: Digest, event: str, after: dict, fields: list[list]) -> str:
    """The addendum in Slack's own markup (*bold*, ~struck~, <url|link>), which knows no Markdown."""
    heading, verb, rows = _addendum_parts(digest=digest, event=event, fields=fields, escape=slack_escape)
    lines = [f"*{heading}:* <{after['url']}|{slack_escape(after['title'])}> ({slack_escape(after['team'])}) {verb}."]
    for label, old, new in rows:
        lines.append(f"• *{label}:* {new}" if old is None else f"• *{label}:* ~{old}~ → {new}")
    return "\n".join(lines)


def addendum_record(*, change_id: int, event: str, _retry: bool = True) -> Addendum | None:
    """Record (or update the pending) addendum for a change event; None when this week is not affected.

    This week's digest must have gone out (compiled is not enough: nobody read a digest that was only
    compiled) and the change must touch it before or after the event. Sending is scheduled after commit. Safe to
    call concurrently: the partial unique constraint allows one pending row.
    """
    monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())
    digest = Digest.objects.filter(week=week_label(monday), sent_at__isnull=False).first()
    if digest is None:
        return None
    change = Change.objects.select_related("team").prefetch_related("fact_changes").filter(pk=change_id).first()
    if change is None:
        return None
    after = change_entry(change)
    delay = settings.DIGEST_ADDENDUM_DELAY_SECONDS
    try:
        with transaction.atomic():
            pending = (
                Addendum.objects.select_for_update().filter(digest=digest, change=change, sent_at__isnull=True).first()
            )
            if pending is not None:
                before = pending.diff.get("before")
                if pending.event == Addendum.Event.PUBLISHED and event == Addendum.Event.UPDATED:
                    event = Addendum.Event.PUBLISHED  # still news of a publication
            else:
                last = (
                    Addendum.objects.filter(digest=digest, change=change, sent_at__isnull=False)
                    .order_by("-sent_at", "-id")
                    .first()
                )
                before = last.diff["after"] if last else _digest_entry(digest, change.pk)
            if not (_touches(before, monday) or _touches(after, monday)):
                return None
            fields = entry_diff(before, after)
            with translation.override(settings.LANGUAGE_CODE):
                markdown = addendum_markdown(digest=digest, event=event, after=after, fields=fields)
            values = {
                "event": event,
                "revision": change.revision,
                "markdown": markdown,
                "html": render_markdown(markdown),
                "diff": {"before": before, "after": after, "fields": fields},
            }
            if pending is not None:
                for name, value in values.items():
                    setattr(pending, name, value)
                pending.save()
                return pending
            addendum = Addendum.objects.create(
                digest=digest, change=change, send_after=timezone.now() + datetime.timedelta(seconds=delay), **values
            )
            # With the broker down, addenda_sweep sends it once it is due.
            enqueue_on_commit("bulletin.tasks.addendum_deliver_task", addendum.pk, countdown=delay + 1)
            return addendum
    except IntegrityError:
        if not _retry:
            raise
        # A concurrent event created the pending row first: update that one instead.
        return addendum_record(change_id=change_id, event=event, _retry=False)


def _payloads(addendum: Addendum) -> dict:
    url = digest_url(addendum.digest)
    after = addendum.diff["after"]
    with translation.override(settings.LANGUAGE_CODE):
        link_text = _("Read it on the web")
        footer = email_footer()
        subject = _("Bulletin %(week)s addendum: %(title)s") % {"week": addendum.digest.week, "title": after["title"]}
        slack = addendum_slack(
            digest=addendum.digest, event=addendum.event, after=after, fields=addendum.diff["fields"]
        )
    return {
        Subscription.Kind.EMAIL: {
            "subject": subject,
            "text": f"{markdown_as_text(addendum.markdown)}\n{link_text}: {url}\n{footer['text']}",
            "html": f'{addendum.html}\n<p><a href="{url}">{link_text}</a></p>{footer["html"]}',
            "headers": footer["headers"],
        },
        Subscription.Kind.SLACK: {"text": f"{slack}\n<{url}|{link_text}>"},
        Subscription.Kind.WEBHOOK: {
            "event": "digest.addendum",
            "body": {
                "type": "digest.addendum",
                "week": addendum.digest.week,
                "event": addendum.event,
                "change": after["id"],
                "revision": addendum.revision,
                "fields": addendum.diff["fields"],
                "url": url,
            },
        },
    }


@transaction.atomic
def addendum_deliver(*, addendum_id: int) -> int:
    """Send a due, pending addendum once: mark it sent and record its deliveries; return how many.

    Does nothing when it is not due yet, already sent, or gone. An addendum
    whose edits cancelled out (no field differs) is closed without sending.
    """
    addendum = (
        Addendum.objects.select_for_update()
        .filter(pk=addendum_id, sent_at__isnull=True, send_after__lte=timezone.now())
        .first()
    )
    if addendum is None:
        return 0
    addendum.sent_at = timezone.now()
    addendum.save(update_fields=["sent_at", "updated_at"])
    if not addendum.diff.get("fields"):
        return 0
    entries = [entry for entry in (addendum.diff.get("before"), addendum.diff["after"]) if entry]
    payloads = _payloads(addendum)
    created = 0
    for subscription in subscriptions_for_topic(ADDENDUM_TOPIC):
        wants = subscription_wants_entry(subscription)
        if not any(wants(entry) for entry in entries):
            continue
        key = f"addendum:{addendum.digest.week}:{addendum.pk}"
        if outbox_enqueue(subscription=subscription, key=key, payload=payloads[subscription.kind]) is not None:
            created += 1
    return created


def addenda_sweep() -> int:
    """Send every due addendum whose task never ran (broker down, lost worker); return how many were sent."""
    broker_try_again()
    due = Addendum.objects.filter(sent_at__isnull=True, send_after__lte=timezone.now()).values_list("pk", flat=True)
    sent = 0
    for addendum_id in list(due[:500]):
        addendum_deliver(addendum_id=addendum_id)
        sent += 1
    return sent
