"""Scans queued when changes announce a transition (see changes/signals.py).

The signals are sent after commit; `delay_on_commit` still guards the case of a
sender inside an outer transaction.
"""

from collections.abc import Iterable

from changes import signals

# Above this many texts one full re-scan is cheaper than passing every id.
SCAN_TEXTS_MAX_IDS = 5000


def _scan_change(sender, change, **kwargs):
    from bulletin.tasks import flags_scan_change_task

    flags_scan_change_task.delay_on_commit(change.pk)


def flags_scan_texts_enqueue(*, text_ids: Iterable[int]) -> None:
    """Queue a scan of these texts after commit (a full re-scan when there are very many)."""
    from bulletin.tasks import flags_rescan_all_task, flags_scan_texts_task

    text_ids = sorted(set(text_ids))
    if not text_ids:
        return
    if len(text_ids) > SCAN_TEXTS_MAX_IDS:
        flags_rescan_all_task.delay_on_commit()
    else:
        flags_scan_texts_task.delay_on_commit(text_ids)


def flags_receivers_connect() -> None:
    """Connect the flag scans to the change signals; called once from BulletinConfig.ready()."""
    for name in ("change_published", "change_updated", "change_withdrawn"):
        getattr(signals, name).connect(_scan_change, dispatch_uid=f"bulletin.flags.{name}")
