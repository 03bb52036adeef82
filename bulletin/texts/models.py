"""Support texts imported from the help desk, and the flags that say which still state an old fact."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from bulletin.texts.flag_spots import flag_spot_locate
from bulletin.texts.normalising import normalise
from bulletin.texts.spots import Spot


class Helpdesk(models.TextChoices):
    """The help desks whose exports and APIs Bulletin reads; the name is what links back say ("Open in Zendesk")."""

    ZENDESK = "zendesk", "Zendesk"
    FRESHDESK = "freshdesk", "Freshdesk"
    ZAMMAD = "zammad", "Zammad"
    GORGIAS = "gorgias", "Gorgias"
    INTERCOM = "intercom", "Intercom"


class SupportText(models.Model):
    """A macro or FAQ entry as imported from the help desk; may state facts that changes make untrue."""

    class Kind(models.TextChoices):
        MACRO = "macro", _("Macro")
        FAQ = "faq", _("FAQ")

    # A body longer than this is rejected on import rather than cut: a cut text would be scanned as if whole.
    MAX_BODY_CHARS = 200_000

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("body"), help_text=_("Plain text, Markdown or HTML, as imported."))
    # Computed on save and on import; scans read only this (see bulletin/matching.py).
    body_normalised = models.TextField(editable=False, blank=True)
    source = models.CharField(_("source"), max_length=50, default="manual", help_text=_("e.g. zendesk"))
    external_id = models.CharField(_("external id"), max_length=100)
    url = models.URLField(_("URL"), max_length=500, blank=True, help_text=_("Where customers read it, if anywhere."))
    edit_url = models.URLField(
        _("edit link"), max_length=500, blank=True, help_text=_("Where an agent edits it in the help desk.")
    )
    helpdesk = models.CharField(_("help desk"), max_length=20, choices=Helpdesk.choices, blank=True)
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

    def get_absolute_url(self):
        return reverse("texts:detail", args=[self.pk])

    @property
    def fix_url(self) -> str:
        """Where an agent goes to fix the text: its edit link, else where it is published."""
        return self.edit_url or self.url

    @property
    def fix_label(self) -> str:
        if self.helpdesk:
            return _("Open in %(helpdesk)s") % {"helpdesk": self.get_helpdesk_display()}
        return _("Open in the help desk")


class Flag(models.Model):
    """A support text that states the old wording of a fact change; open until a re-scan no longer finds it."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")
        DISMISSED = "dismissed", _("Dismissed")

    # Flags are derived: a scan rebuilds them from the texts and the changes. Their three references are kept
    # by Django (on_delete) and by the scans (flag_sync.py: new flags are inserted joined to their parents, and a
    # nightly sweep removes flags whose parent was deleted past Django), not by PostgreSQL: checking the foreign
    # keys of the 55,000 flags a first import opens took 1.8 s of a 6.5 s scan (db_constraint=False).
    # No index of its own: the unique (support_text, fact_change) leads with it. Each index costs every new flag.
    support_text = models.ForeignKey(
        SupportText, on_delete=models.CASCADE, related_name="flags", verbose_name=_("support text"),
        db_constraint=False, db_index=False,
    )
    change = models.ForeignKey(
        "changes.Change", on_delete=models.CASCADE, related_name="flags", verbose_name=_("change"),
        db_constraint=False,
    )
    # SET_NULL: an edit of a published change may delete the fact change; the flag stays (dismissed) as history.
    fact_change = models.ForeignKey(
        "changes.FactChange",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="flags",
        verbose_name=_("fact change"),
        db_constraint=False,
        db_index=False,  # read by id only when a fact change is deleted (Django's SET_NULL): rare, and a table scan
    )
    old_text = models.CharField(_("old wording"), max_length=200)
    new_text = models.CharField(_("new wording"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    # The form the scan found the old wording in ("5 bis 7 Werktage" for "5–7 Werktage"; changes/search_forms.py).
    found_form = models.CharField(_("found as"), max_length=300, blank=True)
    # The change's effective date, written by every scan: the queue and the API page flags in this order by index
    # (status, due, id). Sorting 55,000 open flags joined with their changes took 80–140 ms a page.
    due = models.DateField(_("due"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # read by it only when an account is deleted
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
        # Few on purpose: a first import inserts tens of thousands of flags at once, and each index costs each one.
        # change_id's own index serves the change's flags; (status, due, id) the queue's pages.
        indexes = [models.Index(fields=["status", "due", "id"])]
        constraints = [
            models.UniqueConstraint(fields=["support_text", "fact_change"], name="flag_one_per_text_and_fact"),
            models.CheckConstraint(condition=Q(status__in=["open", "resolved", "dismissed"]), name="flag_status_valid"),
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

    @property
    def status_label(self) -> str:
        """The status as the queue shows it: a flag Bulletin closed (change withdrawn or ended) is not one a
        person dismissed."""
        if self.status == self.Status.DISMISSED and self.dismissed_by_bulletin:
            return str(_("Closed by Bulletin"))
        return self.get_status_display()

    @property
    def status_key(self) -> str:
        return "closed" if self.status == self.Status.DISMISSED and self.dismissed_by_bulletin else self.status

    @cached_property
    def spot(self) -> Spot | None:
        """Where the form it was found in stands in its text now, the excerpt and the proposal; None when the
        text no longer says it. Worked out on read (flag_spots.py); lists set it in bulk (flags_spots_attach)."""
        text = self.support_text
        return flag_spot_locate(
            old_text=self.old_text, new_text=self.new_text, found_form=self.found_form,
            body=text.body, normalised=text.body_normalised,
        )


class FullRescan(models.Model):
    """When the last full re-scan of the flags finished, in one row (flags.flags_rescan_all writes it).

    /health/ fails when it is older than HEALTH_RESCAN_MAX_AGE_HOURS: beat runs one every night.
    """

    ROW = 1

    finished_at = models.DateTimeField(_("finished at"))
    texts_scanned = models.PositiveIntegerField(_("texts scanned"), default=0)

    class Meta:
        verbose_name = _("full re-scan")
        verbose_name_plural = _("full re-scans")

    def __str__(self):
        return f"{self.finished_at:%Y-%m-%d %H:%M:%S %Z}"


class ImportRun(models.Model):
    """One import of help-desk files started from the import page; the worker reports its progress here."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    source = models.CharField(_("source"), max_length=50)
    format = models.CharField(_("format"), max_length=40, blank=True, help_text=_("Empty: detected per file."))
    base_url = models.URLField(_("help desk address"), max_length=200, blank=True)
    # [{"name": the uploaded file's name, "path": where the upload was stored, "size": bytes}]
    files = models.JSONField(_("files"), default=list)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    formats = models.JSONField(_("formats read"), default=list, blank=True)
    bytes_total = models.BigIntegerField(_("bytes"), default=0)
    bytes_read = models.BigIntegerField(_("bytes read"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    # [[position, {field: reason}], …]: every rejected row, as the command prints them.
    rejected = models.JSONField(_("rejected rows"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    # The starter's: rejection reasons and errors are stored as they will be read.
    language = models.CharField(_("language"), max_length=10, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Written with every progress report; a running import silent for long lost its worker (import_runs_sweep).
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self):
        return f"{self.source} ({self.created_at:%Y-%m-%d %H:%M})"

    def get_absolute_url(self):
        return reverse("texts:import_detail", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if self.finished:
            return 100
        return min(99, self.bytes_read * 100 // self.bytes_total) if self.bytes_total else 0


class HelpdeskSync(models.Model):
    """The live sync of one help desk: the lock that keeps two syncs apart, and how the last one went."""

    helpdesk = models.CharField(_("help desk"), max_length=20, choices=Helpdesk.choices, unique=True)
    # Set while a sync runs; a sync that finds it set (and not stale) does not start.
    running_since = models.DateTimeField(_("running since"), null=True, blank=True)
    last_started_at = models.DateTimeField(_("last started"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("last finished"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    # Where the help desk's incremental APIs start next time, e.g. {"articles": 1764590000}.
    cursor = models.JSONField(_("cursor"), default=dict, blank=True)
    last_counts = models.JSONField(_("last counts"), default=dict, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("help desk sync")
        verbose_name_plural = _("help desk syncs")

    def __str__(self):
        return self.get_helpdesk_display()
