from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SubscriptionQuerySet(models.QuerySet):
    def not_deleted(self):
        """Without those their owner deleted: the rows stay for their delivery log, and nobody sees them again."""
        return self.exclude(deactivated_reason=Subscription.Deactivation.DELETED)


class Subscription(models.Model):
    """Somewhere to deliver to, and which news it wants.

    The filters (teams, categories, channels, tags) are plain data here; the app
    that builds a payload decides what they mean for it. An empty filter means "all".

    `scope` says whose it is, as opaque to notifications as the filters: blank for a person's own (`user`), or
    a name such as "team:einkauf" that another app registers (subscription_scopes_register) along with who may
    manage it. A scoped subscription has no owner, so it keeps working when the person who made it leaves.
    """

    class Kind(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SLACK = "slack", _("Slack")
        WEBHOOK = "webhook", _("Webhook")

    class Deactivation(models.TextChoices):
        GONE = "gone", _("the receiver answered 410 Gone")
        DELETED = "deleted", _("deleted by its owner")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="subscriptions",
        verbose_name=_("owner"),
    )
    target = models.CharField(
        _("address or URL"), max_length=500, help_text=_("E-mail address, or the URL to POST to.")
    )
    secret = models.CharField(
        _("signing secret"), max_length=200, blank=True, help_text=_("Webhooks: key for X-Bulletin-Signature.")
    )
    topics = models.JSONField(
        _("topics"), default=list, blank=True, help_text=_('What to send, e.g. ["digest", "addendum"].')
    )
    teams = models.JSONField(_("teams"), default=list, blank=True, help_text=_("Team slugs; empty for all."))
    categories = models.JSONField(_("categories"), default=list, blank=True)
    channels = models.JSONField(_("channels"), default=list, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)
    scope = models.CharField(
        _("belongs to"), max_length=100, blank=True, db_index=True,
        help_text=_("Empty: the owner's own. Otherwise whose it is, e.g. team:einkauf; its managers manage it."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    deactivated_at = models.DateTimeField(_("switched off at"), null=True, blank=True)
    deactivated_reason = models.CharField(
        _("switched off because"), max_length=20, choices=Deactivation.choices, blank=True
    )

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "target"]
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["email", "slack", "webhook"]), name="subscription_kind_valid"),
            models.CheckConstraint(condition=~Q(target=""), name="subscription_target_not_empty"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.target}"

    @property
    def target_masked(self) -> str:
        """The address as a list shows it: a Slack webhook URL is its own password, so its last part is hidden."""
        if self.kind != self.Kind.SLACK:
            return self.target
        head, _slash, secret = self.target.rstrip("/").rpartition("/")
        return f"{head}/…{secret[-4:]}" if head and len(secret) > 8 else self.target

    def wants(self, *, team: str, category: str, channels=(), tags=()) -> bool:
        """Whether news about something with these attributes passes this subscription's filters."""
        return (
            (not self.teams or team in self.teams)
            and (not self.categories or category in self.categories)
            and (not self.channels or bool(set(self.channels) & set(channels)))
            and (not self.tags or bool(set(self.tags) & set(tags)))
        )


class Delivery(models.Model):
    """One message for one subscription, sent at least once and recorded with every attempt.

    `key` says what the message is (e.g. "digest:2026-W48:r2"); the unique
    (subscription, key) pair is what keeps a message from being sent twice.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("subscription")
    )
    key = models.CharField(_("key"), max_length=200)
    payload = models.JSONField(_("payload"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["subscription", "key"], name="delivery_once_per_subscription_and_key"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self):
        return f"{self.key} → {self.subscription}"


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    started_at = models.DateTimeField(_("started at"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    ok = models.BooleanField(_("delivered"))
    permanent = models.BooleanField(_("permanent failure"), default=False)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")

    def __str__(self):
        return f"{self.delivery_id} at {self.started_at:%Y-%m-%d %H:%M:%S}: {'ok' if self.ok else self.error[:60]}"
