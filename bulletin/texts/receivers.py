"""Flag scans follow every change transition (see changes/signals.py).

The signals are sent after commit; the scan is queued through enqueue_on_commit,
which still waits for an outer transaction of the sender. Connected once from
BulletinConfig.ready().
"""

from bulletin.texts.flags import flags_scan_change_enqueue
from changes import signals


def _scan_change(sender, change, **kwargs):
    flags_scan_change_enqueue(change_id=change.pk)


def flags_receivers_connect() -> None:
    for name in ("change_published", "change_updated", "change_withdrawn"):
        getattr(signals, name).connect(_scan_change, dispatch_uid=f"bulletin.flags.{name}")
