from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from changes.models import Change, FactChange, FeedToken, Membership, Team


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "team", "role"]
    list_filter = ["role", "team"]
    search_fields = ["user__username", "user__email", "team__name"]
    autocomplete_fields = ["user", "team"]


class FactChangeInline(admin.TabularInline):
    model = FactChange
    extra = 0
    fields = ["old_text", "new_text", "position"]


@admin.register(Change)
class ChangeAdmin(SimpleHistoryAdmin):
    list_display = ["title", "team", "category", "severity", "status", "effective_from", "effective_until", "revision"]
    list_filter = ["status", "category", "severity", "team"]
    search_fields = ["title", "customer_impact", "support_guidance"]
    date_hierarchy = "effective_from"
    readonly_fields = ["revision", "published_at", "withdrawn_at", "created_at", "updated_at"]
    autocomplete_fields = ["created_by"]
    inlines = [FactChangeInline]


@admin.register(FactChange)
class FactChangeAdmin(SimpleHistoryAdmin):
    list_display = ["old_text", "new_text", "change"]
    search_fields = ["old_text", "new_text", "change__title"]
    autocomplete_fields = ["change"]


@admin.register(FeedToken)
class FeedTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at"]
    search_fields = ["user__username"]
    readonly_fields = ["key", "created_at"]
