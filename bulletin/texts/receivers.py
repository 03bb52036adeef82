"""Flag scans follow every change transition (see changes/signals.py).

The signals are sent after commit, so the scan is queued at once; when the broker
does not take it, the receiver raises and changes announces the event again
(changes/events.py). Connected once from BulletinConfig.ready().
"""

from bulletin.texts.flags import flags_rescan_all_enqueue, flags_scan_change, flags_scan_change_enqueue
from changes import signals


def _scan_change(sender, change, **kwargs):
    flags_scan_change_enqueue(change_id=change.pk)


def _close_for_withdrawn(sender, change, **kwargs):
    # A withdrawn change has nothing left to search for, so its scan reads no text: run here, it closes the open
    # flags before the redirect shows the change page, whose counts are then current.
    flags_scan_change(change_id=change.pk)


def _rescan_all(sender, **kwargs):
    flags_rescan_all_enqueue()


def flags_receivers_connect() -> None:
    for name in ("change_published", "change_updated"):
        getattr(signals, name).connect(_scan_change, dispatch_uid=f"bulletin.flags.{name}")
    signals.change_withdrawn.connect(_close_for_withdrawn, dispatch_uid="bulletin.flags.change_withdrawn")
    signals.glossary_changed.connect(_rescan_all, dispatch_uid="bulletin.flags.glossary_changed")
