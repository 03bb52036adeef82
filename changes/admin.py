from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from changes.forms import ChangeListsForm
from changes.models import (
    ApiTokenRate,
    Change,
    ChangeEvent,
    FactChange,
    FeedToken,
    Membership,
    Preferences,
    Synonym,
    Team,
)
from changes.signals import glossary_changed
from config.admin import JoinedListsMixin


class PreferencesInline(admin.StackedInline):
    model = Preferences
    can_delete = False
    max_num = 1


# A person's language is set here as well as in the header's switch: Django's user page with it below.
admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class PersonAdmin(UserAdmin):
    inlines = [*UserAdmin.inlines, PreferencesInline]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "handles_support"]
    list_filter = ["handles_support"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "team", "role"]
    list_filter = ["role", "team"]
    search_fields = ["user__username", "user__email", "team__name"]
    autocomplete_fields = ["user", "team"]


def _is_draft(change) -> bool:
    return change is None or change.status == Change.Status.DRAFT


class FactChangeInline(admin.TabularInline):
    model = FactChange
    extra = 0
    fields = ["old_text", "new_text", "position"]

    def has_add_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_delete_permission(request, obj)


class ChangeAdminForm(ChangeListsForm):
    """The lists as on the filing form. No Meta: the admin builds the form with the fields it shows."""


@admin.register(Change)
class ChangeAdmin(JoinedListsMixin, SimpleHistoryAdmin):
    """Drafts can be tidied here; publishing, withdrawing and editing what support already sees go through the
    change's own page, which counts the revision, tells subscribers and webhooks and re-scans the support texts."""

    form = ChangeAdminForm
    # A change that is no longer a draft is shown read only: its lists joined, as in the list.
    joined_lists = {"channels": "channel_list", "tags": "tag_list"}
    list_display = [
        "title", "team", "category", "severity", "status", "effective_from", "effective_until", "revision",
        "channel_list", "tag_list",
    ]
    list_filter = ["status", "category", "severity", "team"]
    search_fields = ["title", "customer_impact", "support_guidance"]
    date_hierarchy = "effective_from"
    readonly_fields = ["status", "revision", "published_at", "withdrawn_at", "created_at", "updated_at"]
    autocomplete_fields = ["created_by"]
    inlines = [FactChangeInline]

    def has_change_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_change_permission(request, obj)

    @admin.display(description=_("channels"))
    def channel_list(self, change):
        return ", ".join(map(str, change.channel_labels))  # the labels are lazy translations

    @admin.display(description=_("tags"))
    def tag_list(self, change):
        return ", ".join(map(str, change.tags))


@admin.register(FactChange)
class FactChangeAdmin(SimpleHistoryAdmin):
    """Read only: fact changes are edited with their change."""

    list_display = ["old_text", "new_text", "change"]
    search_fields = ["old_text", "new_text", "change__title"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(FeedToken)
class FeedTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at"]
    search_fields = ["user__username"]
    readonly_fields = ["key", "created_at"]


@admin.register(ChangeEvent)
class ChangeEventAdmin(admin.ModelAdmin):
    """Read only: an event is announced by Bulletin and announced again by the sweep until its receivers finish."""

    list_display = ["change", "kind", "revision", "created_at", "announced_at", "attempts"]
    list_filter = ["kind"]
    search_fields = ["change__title", "last_error"]
    readonly_fields = ["change", "kind", "revision", "changed_fields", "created_at", "announced_at", "attempts",
                       "last_error"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ApiTokenRate)
class ApiTokenRateAdmin(admin.ModelAdmin):
    list_display = ["token", "rate"]
    search_fields = ["token__user__username"]
    raw_id_fields = ["token"]


@admin.register(Synonym)
class SynonymAdmin(admin.ModelAdmin):
    """The glossary: the next scan finds a fact change's old wording with either term."""

    list_display = ["term", "synonym", "language"]
    list_filter = ["language"]
    search_fields = ["term", "synonym"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        glossary_changed.send(sender=Synonym)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        glossary_changed.send(sender=Synonym)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        glossary_changed.send(sender=Synonym)
