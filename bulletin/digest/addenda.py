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
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bulletin.digest.delivery import digest_url, subscription_languages, subscription_wants_entry
from bulletin.digest.models import Addendum, Digest
from bulletin.digest.sections import COMING_UP_DAYS, ChangeSection, change_entry, sections_from_json
from bulletin.messages import message_context, message_render, message_text
from bulletin.weeks import week_label
from changes.models import Category, Change, Channel, Severity
from changes.rendering import markdown_as_plain_text, render_markdown, sanitize_html
from config.celery import broker_try_again, enqueue_on_commit
from notifications.models import Subscription
from notifications.outbox import outbox_enqueue_many
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


# Written by leads in Markdown: rendered in HTML, as clean text in the text part and Slack, never shown raw.
MARKDOWN_FIELDS = {"customer_impact", "support_guidance"}


def _side(name: str, value) -> dict:
    if name in MARKDOWN_FIELDS:
        return {"text": markdown_as_plain_text(value or "") or "—", "html": render_markdown(value or "")}
    return {"text": " ".join(_value(name, value).split()), "html": ""}


def addendum_context(*, digest: Digest, event: str, after: dict, fields: list[list]) -> dict:
    """What an addendum says, in the active language, for its templates (page, e-mail, Slack): the change, what
    happened to it, and one row per field that changed, old → new (a publication: what it says, without blanks)."""
    verb = {
        Addendum.Event.PUBLISHED: _("was published"),
        Addendum.Event.UPDATED: _("was changed"),
        Addendum.Event.WITHDRAWN: _("was withdrawn"),
    }[event]
    rows = []
    for name, old, new in fields:
        if event == Addendum.Event.PUBLISHED and (name == "status" or new in (None, "", [])):
            continue  # news of a publication says what the change is; "Status: published" says nothing
        shown_old = old is not None or event == Addendum.Event.UPDATED
        rows.append(
            {"label": FIELD_LABELS[name], "old": _side(name, old) if shown_old else None, "new": _side(name, new)}
        )
    return {
        "heading": _("Addendum to %(week)s") % {"week": digest.week},
        "week": digest.week,
        "verb": verb,
        "event": event,
        "title": after["title"],
        "team": after["team"],
        "url": after["url"],
        "rows": rows,
        "digest_url": digest_url(digest),
    }


def addendum_html(context: dict) -> str:
    """The addendum as the digest page shows it (and stores it): sanitised, Markdown rendered."""
    return sanitize_html(render_to_string("bulletin/messages/_addendum.html", context))


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
            if before is None and event == Addendum.Event.WITHDRAWN:
                fields = []  # published and withdrawn before anyone heard of it: there is no news
            with translation.override(settings.LANGUAGE_CODE):
                context = addendum_context(digest=digest, event=event, after=after, fields=fields)
                text = message_text("addendum", message_context(**context))
            values = {
                "event": event,
                "revision": change.revision,
                "markdown": text,
                "html": addendum_html(context),
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


def addendum_context_of(addendum: Addendum) -> dict:
    """addendum_context of a recorded addendum, in the active language."""
    diff = addendum.diff
    return addendum_context(digest=addendum.digest, event=addendum.event, after=diff["after"], fields=diff["fields"])


def _payloads(addendum: Addendum, *, language: str) -> dict:
    url = digest_url(addendum.digest)
    with translation.override(language):
        context = addendum_context_of(addendum)
    payloads = message_render("addendum", context, language=language, more_url=url)
    payloads[Subscription.Kind.WEBHOOK] = {
        "event": "digest.addendum",
        "body": {
            "type": "digest.addendum",
            "week": addendum.digest.week,
            "event": addendum.event,
            "change": addendum.diff["after"]["id"],
            "revision": addendum.revision,
            "fields": addendum.diff["fields"],
            "url": url,
        },
    }
    return payloads


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
    subscriptions = [
        subscription
        for subscription in subscriptions_for_topic(ADDENDUM_TOPIC)
        if any(subscription_wants_entry(subscription)(entry) for entry in entries)
    ]
    languages = subscription_languages(subscriptions)
    payloads = {language: _payloads(addendum, language=language) for language in set(languages.values())}
    key = f"addendum:{addendum.digest.week}:{addendum.pk}"
    messages = [(s, payloads[languages[s.pk]][s.kind]) for s in subscriptions]
    return len(outbox_enqueue_many(key=key, messages=messages))


def addenda_sweep() -> int:
    """Send every due addendum whose task never ran (broker down, lost worker); return how many were sent."""
    broker_try_again()
    due = Addendum.objects.filter(sent_at__isnull=True, send_after__lte=timezone.now()).values_list("pk", flat=True)
    sent = 0
    for addendum_id in list(due[:500]):
        addendum_deliver(addendum_id=addendum_id)
        sent += 1
    return sent
