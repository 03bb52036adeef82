"""What the digest does when changes happen; connected from BulletinConfig.ready()."""

from django.db.models.signals import post_save

from bulletin.models import Addendum
from changes.models import Membership
from changes.signals import change_published, change_updated, change_withdrawn
from notifications.subscriptions import subscription_email_default


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
    change_published.connect(_on_published, dispatch_uid="bulletin.digest.addendum.published")
    change_updated.connect(_on_updated, dispatch_uid="bulletin.digest.addendum.updated")
    change_withdrawn.connect(_on_withdrawn, dispatch_uid="bulletin.digest.addendum.withdrawn")
    post_save.connect(_on_membership_saved, sender=Membership, dispatch_uid="bulletin.digest.default_subscription")
