"""The weekly digest as stored, who read it, and the addenda sent after it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from changes.models import Change


class Digest(models.Model):
    """The digest of one ISO week, compiled from published changes.

    Recompiling a week updates this row; `revision` goes up only when the
    content (`content_hash`) changed, and deliveries are keyed by it.
    """

    week = models.CharField(_("week"), max_length=8, unique=True, help_text=_("ISO week, e.g. 2026-W48."))
    monday = models.DateField(_("Monday"), db_index=True)
    markdown = models.TextField(_("Markdown source"), blank=True)
    html = models.TextField(_("HTML"), blank=True, help_text=_("Rendered from the Markdown and sanitised."))
    sections = models.JSONField(_("sections"), default=list)
    changes = models.ManyToManyField(Change, related_name="digests", blank=True, verbose_name=_("changes"))
    content_hash = models.CharField(max_length=64, editable=False)
    compiled_at = models.DateTimeField(_("compiled at"))
    revision = models.PositiveIntegerField(_("revision"), default=1)
    # When its deliveries were first recorded: only news after a digest that went out is an addendum.
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-monday"]
        verbose_name = _("digest")
        verbose_name_plural = _("digests")
        constraints = [
            models.CheckConstraint(condition=Q(week__regex=r"^\d{4}-W\d{2}$"), name="digest_week_iso_format"),
        ]

    def __str__(self):
        return self.week

    def get_absolute_url(self):
        return reverse("bulletin:digest-week", args=[self.week])


class DigestRead(models.Model):
    digest = models.ForeignKey(Digest, on_delete=models.CASCADE, related_name="reads", verbose_name=_("digest"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_reads", verbose_name=_("user")
    )
    read_at = models.DateTimeField(_("read at"), auto_now_add=True)

    class Meta:
        verbose_name = _("digest read")
        verbose_name_plural = _("digest reads")
        constraints = [models.UniqueConstraint(fields=["digest", "user"], name="digestread_once_per_user")]

    def __str__(self):
        return f"{self.digest_id} read by {self.user_id}"


class Addendum(models.Model):
    """Late news about one change for a week whose digest was already compiled.

    Edits arriving while an addendum is still pending (`sent_at` empty) update
    that row in place, so a burst of edits sends one addendum. The partial
    unique constraint is the coalescing key: at most one pending addendum per
    (digest, change).
    """

    class Event(models.TextChoices):
        PUBLISHED = "published", _("Published")
        UPDATED = "updated", _("Updated")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    digest = models.ForeignKey(Digest, on_delete=models.CASCADE, related_name="addenda", verbose_name=_("digest"))
    change = models.ForeignKey(Change, on_delete=models.CASCADE, related_name="addenda", verbose_name=_("change"))
    event = models.CharField(_("event"), max_length=10, choices=Event.choices)
    revision = models.PositiveIntegerField(_("change revision"))
    markdown = models.TextField(_("Markdown source"), blank=True)
    html = models.TextField(_("HTML"), blank=True)
    # {"before": entry or None, "after": entry, "fields": [[name, old, new], ...]}
    diff = models.JSONField(_("diff"), default=dict)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    send_after = models.DateTimeField(_("send after"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("addendum")
        verbose_name_plural = _("addenda")
        constraints = [
            models.UniqueConstraint(
                fields=["digest", "change"], condition=Q(sent_at__isnull=True), name="addendum_one_pending_per_change"
            ),
        ]
        indexes = [models.Index(fields=["sent_at", "send_after"])]

    def __str__(self):
        return f"{self.digest.week}: {self.change}"
