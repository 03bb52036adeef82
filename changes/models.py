import datetime
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from changes.rendering import MARKDOWN_MAX_LENGTH, render_markdown
from changes.search_forms import Synonym as SynonymPair
from changes.search_forms import search_forms

# Line breaks and other control characters (tab, NUL, DEL, NEL, the Unicode line and paragraph
# separators). A title with a line break made every addendum e-mail about it fail with BadHeaderError.
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def validate_single_line(value):
    """A title, name, tag or wording is one line: no line breaks or other control characters."""
    if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
        raise ValidationError(_("Write this on one line, without line breaks or tabs."), code="not_single_line")


class Team(models.Model):
    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100, validators=[validate_single_line])
    handles_support = models.BooleanField(
        _("support team"),
        default=False,
        help_text=_("Its leads import the help desk's macros and FAQ texts and confirm handovers."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self):
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", _("Lead")
        AGENT = "agent", _("Agent")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("team"))
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.AGENT)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "team"], name="membership_one_per_user_and_team"),
            models.CheckConstraint(condition=Q(role__in=["lead", "agent"]), name="membership_role_valid"),
        ]

    def __str__(self):
        return f"{self.user} – {self.team} ({self.get_role_display()})"


class Preferences(models.Model):
    """What a person chose for themselves: the language the pages, e-mails and Slack messages to them are in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preferences", verbose_name=_("user")
    )
    # Blank: the service's language (LANGUAGE_CODE), until the person picks one in the header or an admin does.
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, blank=True)

    class Meta:
        verbose_name = _("preferences")
        verbose_name_plural = _("preferences")

    def __str__(self):
        return f"{self.user}: {self.language or settings.LANGUAGE_CODE}"


class Category(models.TextChoices):
    DELIVERY_TIME = "delivery_time", _("Delivery time")
    AVAILABILITY = "availability", _("Availability")
    PRODUCT = "product", _("Product")
    PRICING = "pricing", _("Pricing")
    RETURNS = "returns", _("Returns")
    PAYMENT = "payment", _("Payment")
    AUTOMATION = "automation", _("Automation")
    OTHER = "other", _("Other")


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    CHAT = "chat", _("Chat")
    PHONE = "phone", _("Phone")
    BOT = "bot", _("Chatbot")
    SOCIAL = "social", _("Social media")
    APP = "app", _("App")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


SEVERITY_RANK = {Severity.HIGH: 0, Severity.MEDIUM: 1, Severity.LOW: 2}


# Error codes must not collide with the field's own error_messages keys
# ("invalid", "invalid_choice", "blank"): Django would swap in its generic text.
def _validate_channels(value):
    if not isinstance(value, list) or not value:
        raise ValidationError(_("Choose at least one channel."), code="no_channel")
    unknown = [item for item in value if item not in Channel.values]
    if unknown:
        raise ValidationError(
            _("Unknown channel: %(value)s."), code="unknown_channel", params={"value": ", ".join(map(str, unknown))}
        )


def _validate_tags(value):
    if not isinstance(value, list) or not all(isinstance(tag, str) and tag.strip() for tag in value):
        raise ValidationError(_("Tags must be a list of non-empty words."), code="invalid_tags")
    for tag in value:
        validate_single_line(tag)
    if any(len(tag) > 50 for tag in value):
        raise ValidationError(_("A tag may have at most 50 characters."), code="max_length")


# A change is planned within years, not centuries; 9999-12-31 also broke date arithmetic in the calendar feed.
PLAUSIBLE_DATES = (datetime.date(2000, 1, 1), datetime.date(2099, 12, 31))


def _validate_plausible_date(value):
    first, last = PLAUSIBLE_DATES
    if not first <= value <= last:
        raise ValidationError(
            _("Pick a date between %(first)s and %(last)s."),
            code="implausible_date",
            params={"first": first.isoformat(), "last": last.isoformat()},
        )


class State(models.TextChoices):
    """Where a change stands for customers on a day: its status, and for a published one, its dates."""

    DRAFT = "draft", _("Draft")
    PLANNED = "planned", _("Planned")
    IN_EFFECT = "in_effect", _("In effect")
    ENDED = "ended", _("Ended")
    WITHDRAWN = "withdrawn", _("Withdrawn")


def state_of(*, status: str, effective_from: datetime.date, effective_until: datetime.date | None,
             day: datetime.date) -> str:
    """The State of a change with these values on `day` (the API reads rows, not models)."""
    if status != "published":
        return status  # "draft" and "withdrawn" are states of their own
    if effective_from > day:
        return State.PLANNED
    if effective_until is not None and effective_until < day:
        return State.ENDED
    return State.IN_EFFECT


class ChangeQuerySet(models.QuerySet):
    def in_state(self, state: str, day: datetime.date | None = None):
        """Changes in `state` (a State value) on `day`, today by default."""
        day = day or timezone.localdate()
        if state == State.PLANNED:
            return self.filter(status=Change.Status.PUBLISHED, effective_from__gt=day)
        if state == State.IN_EFFECT:
            return self.active_on(day)
        if state == State.ENDED:
            return self.filter(status=Change.Status.PUBLISHED, effective_until__lt=day)
        return self.filter(status=state)

    def awaiting_handover(self, day: datetime.date | None = None):
        """Published, not ended on `day` (today by default), and support has not confirmed the handover:
        Change.awaits_handover as a query."""
        day = day or timezone.localdate()
        return self.filter(status=Change.Status.PUBLISHED, acknowledged_at__isnull=True).filter(
            Q(effective_until__isnull=True) | Q(effective_until__gte=day)
        )

    def active_on(self, day: datetime.date):
        """Published changes in effect on `day`; an open end counts as still in effect."""
        return self.filter(status=Change.Status.PUBLISHED, effective_from__lte=day).filter(
            Q(effective_until__isnull=True) | Q(effective_until__gte=day)
        )

    def active_between(self, first: datetime.date, last: datetime.date):
        """Published changes in effect on at least one day from `first` to `last`."""
        return self.filter(status=Change.Status.PUBLISHED, effective_from__lte=last).filter(
            Q(effective_until__isnull=True) | Q(effective_until__gte=first)
        )


def _markdown_field(verbose_name, help_text) -> models.TextField:
    # TextField's max_length only reaches forms; the validator makes full_clean (services, API) hold it too.
    return models.TextField(
        verbose_name,
        blank=True,
        max_length=MARKDOWN_MAX_LENGTH,
        validators=[MaxLengthValidator(MARKDOWN_MAX_LENGTH)],
        help_text=help_text,
    )


class Change(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    title = models.CharField(_("title"), max_length=200, validators=[validate_single_line])
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="changes", verbose_name=_("team"))
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    customer_impact = _markdown_field(_("what the customer will feel"), _("Markdown. Required for publishing."))
    support_guidance = _markdown_field(_("what support should say"), _("Markdown."))
    # Sanitised renderings, kept in step with the Markdown on every save.
    customer_impact_html = models.TextField(editable=False, blank=True)
    support_guidance_html = models.TextField(editable=False, blank=True)
    effective_from = models.DateField(_("effective from"), validators=[_validate_plausible_date])
    effective_until = models.DateField(
        _("effective until"),
        null=True,
        blank=True,
        validators=[_validate_plausible_date],
        help_text=_("Leave empty if the change is permanent."),
    )
    channels = models.JSONField(
        _("channels"),
        default=list,
        validators=[_validate_channels],
        error_messages={"blank": _("Choose at least one channel.")},
    )
    tags = models.JSONField(_("tags"), default=list, blank=True, validators=[_validate_tags])
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    revision = models.PositiveIntegerField(
        _("revision"), default=1, help_text=_("Goes up on every edit after publishing.")
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    # The handover: a lead of a support team confirms that support has taken the change over. An edit that changes
    # what customers feel (changes.services.HANDOVER_FIELDS) empties these, asking for a new confirmation.
    acknowledged_at = models.DateTimeField(_("handover confirmed at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handover confirmed by"),
    )
    acknowledgement_note = models.CharField(
        _("handover note"), max_length=500, blank=True, validators=[validate_single_line],
        help_text=_("e.g. macros updated, team briefed"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="filed_changes",
        verbose_name=_("filed by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    history = HistoricalRecords(excluded_fields=["customer_impact_html", "support_guidance_html", "updated_at"])
    objects = ChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("change")
        verbose_name_plural = _("changes")
        indexes = [
            models.Index(fields=["status", "effective_from", "effective_until"]),
            # Covers the API's count-and-latest-edit aggregate (ETag and page count)
            # for "active on D" and visibility filters without touching the table.
            models.Index(
                fields=["status", "effective_from"],
                include=["effective_until", "updated_at", "team"],
                name="change_active_summary",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_until__isnull=True) | Q(effective_until__gte=models.F("effective_from")),
                name="change_ends_after_it_starts",
                violation_error_message=_("The end date must be on or after the start date."),
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | ~Q(customer_impact=""),
                name="change_published_has_customer_impact",
                violation_error_message=_("A published change must say what the customer will feel."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "published", "withdrawn"]), name="change_status_valid"
            ),
            models.CheckConstraint(condition=Q(category__in=Category.values), name="change_category_valid"),
            models.CheckConstraint(condition=Q(severity__in=Severity.values), name="change_severity_valid"),
            models.CheckConstraint(condition=~Q(title=""), name="change_title_not_empty"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.customer_impact_html = render_markdown(self.customer_impact)
        self.support_guidance_html = render_markdown(self.support_guidance)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "customer_impact_html", "support_guidance_html", "updated_at"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("changes:detail", args=[self.pk])

    def clean(self):
        errors = {}
        if self.effective_from and self.effective_until and self.effective_until < self.effective_from:
            errors["effective_until"] = ValidationError(
                _("The end date must be on or after the start date."), code="ends_before_start"
            )
        if self.status != self.Status.DRAFT and not (self.customer_impact or "").strip():
            errors["customer_impact"] = ValidationError(
                _("Say what the customer will feel before publishing."), code="required_for_publishing"
            )
        if errors:
            raise ValidationError(errors)

    @property
    def channel_labels(self) -> list[str]:
        labels = dict(Channel.choices)
        return [labels.get(channel, channel) for channel in self.channels]

    @property
    def state(self) -> str:
        """draft, planned, in_effect, ended or withdrawn, today (State)."""
        return state_of(
            status=self.status, effective_from=self.effective_from, effective_until=self.effective_until,
            day=timezone.localdate(),
        )

    def get_state_display(self) -> str:
        return State(self.state).label

    @property
    def awaits_handover(self) -> bool:
        """Published, not ended, and support has not confirmed taking it over."""
        return self.acknowledged_at is None and self.state in (State.PLANNED, State.IN_EFFECT)

    @property
    def handover_is_urgent(self) -> bool:
        """Awaiting the handover and taking effect within BULLETIN_MIN_NOTICE_DAYS (or already in effect)."""
        days_left = (self.effective_from - timezone.localdate()).days
        return self.awaits_handover and days_left < settings.BULLETIN_MIN_NOTICE_DAYS

    @property
    def notice_days(self) -> int:
        """Days between publishing (today, for a draft) and the day the change takes effect."""
        announced = timezone.localdate(self.published_at) if self.published_at else timezone.localdate()
        return (self.effective_from - announced).days

    @property
    def is_late(self) -> bool:
        return self.notice_days < settings.BULLETIN_MIN_NOTICE_DAYS


class FactChangeManager(models.Manager):
    def get_queryset(self):
        # The kept search forms are read by scans alone (values_list); a change's page or digest entry would
        # decode 80 forms per fact for nothing.
        return super().get_queryset().defer("search_forms_cache")


class FactChange(models.Model):
    """A fact customers were told that this change makes untrue, and what is true instead."""

    change = models.ForeignKey(Change, on_delete=models.CASCADE, related_name="fact_changes", verbose_name=_("change"))
    old_text = models.CharField(_("old wording"), max_length=200, validators=[validate_single_line])
    new_text = models.CharField(_("new wording"), max_length=200, blank=True, validators=[validate_single_line])
    position = models.PositiveSmallIntegerField(default=0)
    # The forms scans search for (changes/glossary.py: facts_search_forms), kept with the wording and glossary they
    # were listed for: {"key": …, "old": …, "new": …, "forms": [[old, new], …]}. Empty or stale: listed again.
    search_forms_cache = models.JSONField(default=dict, blank=True, editable=False)

    history = HistoricalRecords(excluded_fields=["search_forms_cache"])
    objects = FactChangeManager()

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("fact change")
        verbose_name_plural = _("fact changes")
        constraints = [
            models.CheckConstraint(
                condition=~Q(old_text=""),
                name="factchange_old_text_not_empty",
                violation_error_message=_("The old wording may not be empty."),
            ),
            models.CheckConstraint(
                condition=~Q(old_text=models.F("new_text")),
                name="factchange_changes_something",
                violation_error_message=_("The new wording must differ from the old one."),
            ),
            models.UniqueConstraint(
                fields=["change", "old_text"],
                name="factchange_unique_old_text_per_change",
                violation_error_message=_("This old wording is already listed for this change."),
            ),
        ]

    def __str__(self):
        return f"{self.old_text} → {self.new_text}"

    def clean(self):
        self.old_text = (self.old_text or "").strip()
        self.new_text = (self.new_text or "").strip()
        if not self.old_text:
            raise ValidationError(
                {"old_text": ValidationError(_("The old wording may not be empty."), code="required")}
            )
        if self.old_text == self.new_text:
            raise ValidationError(
                {"new_text": ValidationError(_("The new wording must differ from the old one."), code="unchanged")}
            )

    @property
    def search_forms(self) -> list[str]:
        """The forms support texts are searched in for the old wording, as filed first (one glossary query)."""
        return [form.old for form in search_forms(self.old_text, self.new_text, synonyms=Synonym.pairs())]


class FeedToken(models.Model):
    """A per-user secret in feed URLs: calendar and feed readers cannot send login headers."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feed_token", verbose_name=_("user")
    )
    key = models.CharField(_("key"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now=True)

    class Meta:
        verbose_name = _("feed token")
        verbose_name_plural = _("feed tokens")

    def __str__(self):
        return f"{self.user} ({self.key[:6]}…)"


class ChangeEvent(models.Model):
    """A transition announced to other apps (changes/signals.py), written in the transition's own transaction.

    It is announced after commit. One whose receivers did not all finish (the
    process died, the broker was away) is announced again by change_events_sweep
    until they do; receivers are idempotent, so a second announcement adds nothing.
    """

    class Kind(models.TextChoices):
        PUBLISHED = "published", _("Published")
        UPDATED = "updated", _("Updated")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    change = models.ForeignKey(Change, on_delete=models.CASCADE, related_name="events", verbose_name=_("change"))
    kind = models.CharField(_("event"), max_length=10, choices=Kind.choices)
    revision = models.PositiveIntegerField(_("revision"))
    changed_fields = models.JSONField(_("changed fields"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    announced_at = models.DateTimeField(_("announced at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # The receivers that finished: announcing the event again runs only the others, so one that failed does not
    # make the rest (a flag scan, a webhook) do their work twice.
    receivers_done = models.JSONField(_("receivers done"), default=list, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("change event")
        verbose_name_plural = _("change events")
        indexes = [models.Index(fields=["announced_at", "created_at"])]

    def __str__(self):
        return f"{self.change_id} {self.kind} r{self.revision}"


def validate_rate(value):
    """A request rate as the API throttle reads it: "N/second", "N/minute", "N/hour" or "N/day"."""
    if not re.fullmatch(r"[1-9]\d*/(s|sec|second|m|min|minute|h|hour|d|day)", value or ""):
        raise ValidationError(_("Write a rate like 3600/hour or 60/minute."), code="invalid_rate")


class ApiTokenRate(models.Model):
    """A rate of its own for one API token (an integration that polls more than API_THROTTLE_RATE allows)."""

    token = models.OneToOneField(
        "authtoken.Token", on_delete=models.CASCADE, primary_key=True, related_name="rate", verbose_name=_("token")
    )
    rate = models.CharField(_("rate"), max_length=30, validators=[validate_rate], help_text=_("e.g. 3600/hour"))

    class Meta:
        verbose_name = _("API token rate")
        verbose_name_plural = _("API token rates")

    def __str__(self):
        return f"{self.token.user}: {self.rate}"


class Synonym(models.Model):
    """Two terms support writes for one thing ("Werktage" and "Arbeitstage"): a fact change's old wording is also
    searched for with one replaced by the other (changes/search_forms.py). Kept by staff in the admin."""

    class Language(models.TextChoices):
        GERMAN = "de", _("German")
        ENGLISH = "en", _("English")

    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    term = models.CharField(_("term"), max_length=100, validators=[validate_single_line])
    synonym = models.CharField(_("synonym"), max_length=100, validators=[validate_single_line])

    class Meta:
        ordering = ["language", "term", "synonym"]
        verbose_name = _("synonym")
        verbose_name_plural = _("glossary")
        constraints = [
            models.UniqueConstraint(fields=["language", "term", "synonym"], name="synonym_unique"),
            models.CheckConstraint(condition=~Q(term=models.F("synonym")), name="synonym_differs"),
            models.CheckConstraint(condition=Q(language__in=["de", "en"]), name="synonym_language_valid"),
        ]

    def __str__(self):
        return f"{self.term} = {self.synonym}"

    @classmethod
    def pairs(cls) -> list[SynonymPair]:
        """The whole glossary as search_forms reads it, in one query."""
        return [SynonymPair(term, synonym) for term, synonym in cls.objects.values_list("term", "synonym")]
