"""Announcing transitions: the event rows services write, sent as signals after commit, and their sweep.

A service writes a ChangeEvent in the same transaction as the transition, so the
follow-up work other apps attach to it (webhooks, addenda, flag scans) cannot be
lost between the commit and the receivers: what a receiver could not finish (a
broker that is down or hung, a process killed mid-way) is announced again.
"""

import logging
import weakref
from collections.abc import Callable, Iterator

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from changes import signals
from changes.models import Change, ChangeEvent
from config.celery import broker_try_again

logger = logging.getLogger(__name__)

SIGNALS = {
    ChangeEvent.Kind.PUBLISHED: signals.change_published,
    ChangeEvent.Kind.UPDATED: signals.change_updated,
    ChangeEvent.Kind.WITHDRAWN: signals.change_withdrawn,
}
# An event still unannounced this long after its commit lost its first announcement.
SWEEP_AFTER_SECONDS = 30
# A receiver that still fails after this many announcements has a bug, not a passing fault: stop, keep the row.
MAX_ATTEMPTS = 20


def change_event_record(*, change: Change, kind: str, changed_fields=None) -> ChangeEvent:
    """Record a transition inside its transaction and announce it once that commits."""
    event = ChangeEvent.objects.create(
        change=change, kind=kind, revision=change.revision, changed_fields=list(changed_fields or [])
    )
    transaction.on_commit(lambda: change_event_announce(event_id=event.pk))
    return event


def _receivers(signal) -> Iterator[tuple[str, Callable]]:
    """(stable name, callable) of the signal's live receivers: the dispatch_uid they were connected with, else
    their qualified name. Our signals are always sent by Change, so every receiver connected to them applies."""
    for (key, _sender), reference, _is_async in list(signal.receivers):
        receiver = reference() if isinstance(reference, weakref.ReferenceType) else reference
        if receiver is not None:
            name = getattr(receiver, "__qualname__", repr(receiver))
            yield key if isinstance(key, str) else f"{getattr(receiver, '__module__', '')}.{name}", receiver


def change_event_announce(*, event_id: int) -> bool:
    """Send the event's signal to every receiver that has not finished it yet; True when all have.

    A receiver that raises is logged and does not stop the others; the event stays
    unannounced for the sweep, which sends it to the failed receivers only.
    Announcing an announced event does nothing.
    """
    event = ChangeEvent.objects.select_related("change__team").filter(pk=event_id, announced_at=None).first()
    if event is None:
        return True
    arguments = {"change": event.change, "revision": event.revision}
    if event.kind == ChangeEvent.Kind.UPDATED:
        arguments["changed_fields"] = event.changed_fields
    signal, done, failures = SIGNALS[event.kind], set(event.receivers_done), []
    for name, receiver in _receivers(signal):
        if name in done:
            continue
        try:
            receiver(signal=signal, sender=Change, **arguments)
        except Exception as error:  # as send_robust: one receiver's fault must not stop the others
            failures.append((name, error))
            logger.warning("Change event %s: %s failed: %s", event, name, error)
        else:
            done.add(name)
    ChangeEvent.objects.filter(pk=event.pk, announced_at=None).update(
        attempts=F("attempts") + 1,
        announced_at=None if failures else timezone.now(),
        receivers_done=sorted(done),
        last_error="; ".join(f"{name}: {type(error).__name__}: {error}" for name, error in failures),
    )
    return not failures


def change_events_sweep(*, older_than: float = SWEEP_AFTER_SECONDS) -> int:
    """Announce again every event whose receivers have not all finished; return how many now have."""
    broker_try_again()
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than)
    pending = ChangeEvent.objects.filter(announced_at=None, created_at__lte=cutoff, attempts__lt=MAX_ATTEMPTS)
    return sum(change_event_announce(event_id=event_id) for event_id in pending.values_list("pk", flat=True)[:500])
