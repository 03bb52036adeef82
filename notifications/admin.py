import re

from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from config.admin import JoinedListsMixin
from notifications.models import Delivery, DeliveryAttempt, Subscription
from notifications.outbox import outbox_sweep

# Line breaks, tabs and the other control characters: a filter word holding one could never match.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class WordListField(forms.CharField):
    """A JSON list of words typed as "digest, addendum": blanks and repeats dropped, each word on one line."""

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(map(str, value))
        return value

    def to_python(self, value):
        words = []
        for word in super().to_python(value).split(","):
            word = word.strip()
            if word and word not in words:
                words.append(word)
        return words

    def validate(self, value):
        super().validate(value)
        if any(_CONTROL_CHARACTERS.search(word) for word in value):
            message = _("Write this on one line, without line breaks or tabs.")
            raise forms.ValidationError(message, code="not_single_line")


# The model's help texts describe the JSON; these the text typed instead. Empty filters let everything through.
_LIST_HELP = {
    "topics": _("What to send, separated by commas, e.g. digest, addendum."),
    "teams": _("Team slugs, separated by commas; empty for all."),
    "categories": _("Separated by commas; empty for all."),
    "channels": _("Separated by commas; empty for all."),
    "tags": _("Separated by commas; empty for all."),
}


def _joined(name: str, *, empty=None):
    """An admin column with the list `name` joined; `empty` where it has no words (None: the admin's dash)."""

    @admin.display(description=Subscription._meta.get_field(name).verbose_name)
    def column(model_admin, subscription):
        return ", ".join(map(str, getattr(subscription, name) or [])) or empty

    return column


@admin.register(Subscription)
class SubscriptionAdmin(JoinedListsMixin, admin.ModelAdmin):
    list_display = [
        "kind", "target", "user", "scope", "topic_list", "team_list", "category_list", "channel_list", "tag_list",
        "active", "deactivated_reason", "created_at",
    ]
    list_filter = ["kind", "active", "deactivated_reason"]
    search_fields = ["target", "user__username", "scope"]
    autocomplete_fields = ["user", "created_by"]
    readonly_fields = ["deactivated_at", "created_at"]
    joined_lists = {
        "topics": "topic_list", "teams": "team_list", "categories": "category_list", "channels": "channel_list",
        "tags": "tag_list",
    }

    topic_list = _joined("topics")
    team_list = _joined("teams", empty=_("all"))
    category_list = _joined("categories", empty=_("all"))
    channel_list = _joined("channels", empty=_("all"))
    tag_list = _joined("tags", empty=_("all"))

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in _LIST_HELP:
            label, help_text = capfirst(db_field.verbose_name), _LIST_HELP[db_field.name]
            return WordListField(label=label, help_text=help_text, required=False)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    readonly_fields = ["started_at", "duration_ms", "ok", "permanent", "status_code", "error"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["key", "subscription", "status", "attempts", "next_attempt_at", "delivered_at", "last_error"]
    list_filter = ["status", "subscription__kind"]
    search_fields = ["key", "subscription__target"]
    readonly_fields = [
        "subscription", "key", "payload", "status", "attempts", "next_attempt_at", "claimed_at",
        "last_error", "created_at", "delivered_at",
    ]
    inlines = [DeliveryAttemptInline]
    actions = ["retry_now"]

    @admin.action(description=_("Retry the selected failed or pending deliveries now"))
    def retry_now(self, request, queryset):
        count = queryset.exclude(status=Delivery.Status.DELIVERED).update(
            status=Delivery.Status.PENDING, next_attempt_at=timezone.now()
        )
        outbox_sweep()
        self.message_user(request, _("%(count)d deliveries queued again.") % {"count": count})
