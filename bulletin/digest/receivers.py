"""The digest follows change transitions with addenda, and agents with a default e-mail subscription; it
names the subscription filters it reads for the subscription page.

Connected once from BulletinConfig.ready().
"""

from django.db.models.signals import post_save

from bulletin.digest.addenda import addendum_record
from bulletin.digest.delivery import subscription_filter_labels_connect
from bulletin.digest.models import Addendum
from changes import signals
from changes.models import Membership
from notifications.subscriptions import subscription_email_default


def _addendum_receiver(event: str):
    def receive(sender, change, **kwargs):
        addendum_record(change_id=change.pk, event=event)

    return receive


_on_published = _addendum_receiver(Addendum.Event.PUBLISHED)
_on_updated = _addendum_receiver(Addendum.Event.UPDATED)
_on_withdrawn = _addendum_receiver(Addendum.Event.WITHDRAWN)


def _on_membership_saved(sender, instance, created, **kwargs):
    # Every agent gets the digest by e-mail unless they unsubscribed (an inactive row stays).
    if instance.role == Membership.Role.AGENT:
        subscription_email_default(user=instance.user)


def digest_receivers_connect() -> None:
    signals.change_published.connect(_on_published, dispatch_uid="bulletin.digest.addendum.published")
    signals.change_updated.connect(_on_updated, dispatch_uid="bulletin.digest.addendum.updated")
    signals.change_withdrawn.connect(_on_withdrawn, dispatch_uid="bulletin.digest.addendum.withdrawn")
    post_save.connect(_on_membership_saved, sender=Membership, dispatch_uid="bulletin.digest.default_subscription")
    subscription_filter_labels_connect()
