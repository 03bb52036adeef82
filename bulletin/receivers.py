"""What bulletin does when changes announce a transition (see changes/signals.py).

Flag scans are queued, addenda to this week's digest recorded, and every agent
gets the digest by e-mail by default. The signals are sent after commit;
`delay_on_commit` still guards the case of a sender inside an outer transaction.
Connected once from BulletinConfig.ready().
"""

import logging
from collections.abc import Iterable

from django.db import transaction
from django.db.models.signals import post_save

from bulletin.models import Addendum
from changes import signals
from changes.models import Membership
from notifications.subscriptions import subscription_email_default

logger = logging.getLogger(__name__)

# Above this many texts one full re-scan is cheaper than passing every id.
SCAN_TEXTS_MAX_IDS = 5000


def _scan_change(sender, change, **kwargs):
    from bulletin.tasks import flags_scan_change_task

    try:
        flags_scan_change_task.delay_on_commit(change.pk)
    except Exception:
        # The broker is down: the publish stands and the nightly re-scan catches up.
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


def _on_published(sender, change, **kwargs):
    from bulletin.addenda import addendum_record

    addendum_record(change_id=change.pk, event=Addendum.Event.PUBLISHED)


def _on_updated(sender, change, **kwargs):
    from bulletin.addenda import addendum_record

    addendum_record(change_id=change.pk, event=Addendum.Event.UPDATED)


def _on_withdrawn(sender, change, **kwargs):
    from bulletin.addenda import addendum_record

    addendum_record(change_id=change.pk, event=Addendum.Event.WITHDRAWN)


def _on_membership_saved(sender, instance, created, **kwargs):
    # Every agent gets the digest by e-mail unless they unsubscribed (an inactive row stays).
    if instance.role == Membership.Role.AGENT:
        subscription_email_default(user=instance.user)


def digest_receivers_connect() -> None:
    signals.change_published.connect(_on_published, dispatch_uid="bulletin.digest.addendum.published")
    signals.change_updated.connect(_on_updated, dispatch_uid="bulletin.digest.addendum.updated")
    signals.change_withdrawn.connect(_on_withdrawn, dispatch_uid="bulletin.digest.addendum.withdrawn")
    post_save.connect(_on_membership_saved, sender=Membership, dispatch_uid="bulletin.digest.default_subscription")
