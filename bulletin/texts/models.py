"""Support texts imported from the help desk, and the flags that say which still state an old fact."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bulletin.texts.normalising import normalise


class SupportText(models.Model):
    """A macro or FAQ entry as imported from the help desk; may state facts that changes make untrue."""

    class Kind(models.TextChoices):
        MACRO = "macro", _("Macro")
        FAQ = "faq", _("FAQ")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("body"), help_text=_("Plain text, Markdown or HTML, as imported."))
    # Computed on save and on import; scans read only this (see bulletin/matching.py).
    body_normalised = models.TextField(editable=False, blank=True)
    source = models.CharField(_("source"), max_length=50, default="manual", help_text=_("e.g. zendesk"))
    external_id = models.CharField(_("external id"), max_length=100)
    url = models.URLField(_("URL"), max_length=500, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    owner_team = models.ForeignKey(
        "changes.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="support_texts",
        verbose_name=_("owner team"),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("support text")
        verbose_name_plural = _("support texts")
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="supporttext_unique_per_source"),
            models.CheckConstraint(condition=Q(kind__in=["macro", "faq"]), name="supporttext_kind_valid"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.body_normalised = normalise(self.body)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "body_normalised", "updated_at"}
        super().save(*args, **kwargs)


class Flag(models.Model):
    """A support text that states the old wording of a fact change; open until a re-scan no longer finds it."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")
        DISMISSED = "dismissed", _("Dismissed")

    support_text = models.ForeignKey(
        SupportText, on_delete=models.CASCADE, related_name="flags", verbose_name=_("support text")
    )
    change = models.ForeignKey(
        "changes.Change", on_delete=models.CASCADE, related_name="flags", verbose_name=_("change")
    )
    # SET_NULL: an edit of a published change may delete the fact change; the flag stays (dismissed) as history.
    fact_change = models.ForeignKey(
        "changes.FactChange",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="flags",
        verbose_name=_("fact change"),
    )
    old_text = models.CharField(_("old wording"), max_length=200)
    new_text = models.CharField(_("new wording"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    excerpt = models.TextField(_("excerpt"), blank=True)
    match_start = models.PositiveIntegerField(_("match start"), default=0)
    match_end = models.PositiveIntegerField(_("match end"), default=0)
    proposed_text = models.TextField(_("proposed text"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dismissed by"),
        help_text=_("Empty when Bulletin dismissed the flag itself, or when the account was deleted."),
    )
    # Apart from dismissed_by: a deleted account empties that, and a person's dismissal must still stand.
    dismissed_by_bulletin = models.BooleanField(
        _("dismissed by Bulletin"),
        default=False,
        help_text=_("Bulletin dismissed it (change withdrawn or ended); a scan reopens it if the change returns."),
    )
    dismissed_at = models.DateTimeField(_("dismissed at"), null=True, blank=True)
    dismiss_reason = models.TextField(_("reason for dismissing"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        indexes = [models.Index(fields=["status", "change"])]
        constraints = [
            models.UniqueConstraint(fields=["support_text", "fact_change"], name="flag_one_per_text_and_fact"),
            models.CheckConstraint(
                condition=Q(status__in=["open", "resolved", "dismissed"]), name="flag_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="dismissed") | ~Q(dismiss_reason=""),
                name="flag_dismissed_has_reason",
                violation_error_message=_("Say why the flag is dismissed."),
            ),
        ]

    def __str__(self):
        return f"{self.support_text} – {self.old_text}"

    def get_absolute_url(self):
        return reverse("flags:detail", args=[self.pk])
