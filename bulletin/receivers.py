"""Scans queued when changes announce a transition (see changes/signals.py).

The signals are sent after commit; `delay_on_commit` still guards the case of a
sender inside an outer transaction.
"""

import logging
from collections.abc import Iterable

from django.db import transaction

from changes import signals

logger = logging.getLogger(__name__)

# Above this many texts one full re-scan is cheaper than passing every id.
SCAN_TEXTS_MAX_IDS = 5000


def _scan_change(sender, change, **kwargs):
    from bulletin.tasks import flags_scan_change_task

    try:
        flags_scan_change_task.delay_on_commit(change.pk)
    except Exception:
        # The broker is down: the publish stands and the nightly re-scan catches up. Caught here
        # because changes sends its signals from a functools.partial, whose failure Django's
        # robust on_commit cannot even log (it reads __qualname__).
        logger.exception("Could not queue the flag scan of change %s", change.pk)


def flags_scan_texts_enqueue(*, text_ids: Iterable[int]) -> None:
    """Queue a scan of these texts after commit (a full re-scan when there are very many)."""
    from bulletin.tasks import flags_rescan_all_task, flags_scan_texts_task

    text_ids = sorted(set(text_ids))
    if not text_ids:
        return
    # robust: with the broker down the import or edit stands (logged); the nightly re-scan catches up.
    # A named function, not a partial: Django logs a robust callback's failure by its __qualname__.
    def flags_scan_enqueue():
        if len(text_ids) > SCAN_TEXTS_MAX_IDS:
            flags_rescan_all_task.delay()
        else:
            flags_scan_texts_task.delay(text_ids)

    transaction.on_commit(flags_scan_enqueue, robust=True)


def flags_receivers_connect() -> None:
    """Connect the flag scans to the change signals; called once from BulletinConfig.ready()."""
    for name in ("change_published", "change_updated", "change_withdrawn"):
        getattr(signals, name).connect(_scan_change, dispatch_uid=f"bulletin.flags.{name}")
