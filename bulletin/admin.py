from django.contrib import admin
from django.db import models

from bulletin.digest.models import Addendum, Digest, DigestRead
from bulletin.health.models import Heartbeat
from bulletin.texts.flags import flags_scan_texts_enqueue
from bulletin.texts.models import Flag, FullRescan, HelpdeskSync, ImportRun, SupportText


@admin.register(SupportText)
class SupportTextAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "source", "external_id", "language", "owner_team", "active", "updated_at"]
    list_filter = ["kind", "source", "helpdesk", "language", "active", "owner_team"]
    search_fields = ["title", "external_id", "body"]
    readonly_fields = ["created_at", "updated_at"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # The re-scan verifies an edit: a flag resolves only if the old wording is really gone.
        flags_scan_texts_enqueue(text_ids=[obj.pk])


class ReadOnlyAdmin(admin.ModelAdmin):
    """What the worker writes (imports, syncs) is history: read here, changed only by running them again."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "source", "format", "status", "created", "updated", "unchanged", "started_by"]
    list_filter = ["status", "source"]


@admin.register(HelpdeskSync)
class HelpdeskSyncAdmin(ReadOnlyAdmin):
    list_display = ["helpdesk", "last_started_at", "last_success_at", "running_since", "last_error"]


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    list_display = ["support_text", "old_text", "change", "status", "created_at", "resolved_at", "dismissed_at"]
    list_filter = ["status", "support_text__kind", "change__team"]
    search_fields = ["support_text__title", "old_text", "change__title"]
    raw_id_fields = ["support_text", "change", "fact_change", "dismissed_by"]

    # Read only: a flag is resolved by a re-scan that no longer finds the wording, dismissed with a reason on
    # its page; an edit here would skip both.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Digest)
class DigestAdmin(admin.ModelAdmin):
    list_display = ["week", "revision", "compiled_at"]
    search_fields = ["week"]
    readonly_fields = ["week", "monday", "revision", "compiled_at", "content_hash", "markdown", "html", "sections"]
    exclude = ["changes"]


@admin.register(DigestRead)
class DigestReadAdmin(admin.ModelAdmin):
    list_display = ["digest", "user", "read_at"]
    list_filter = ["digest"]
    search_fields = ["user__username"]


@admin.register(Addendum)
class AddendumAdmin(admin.ModelAdmin):
    list_display = ["digest", "change", "event", "revision", "created_at", "send_after", "sent_at"]
    list_filter = ["event", "digest"]
    readonly_fields = ["digest", "change", "event", "revision", "markdown", "html", "diff", "send_after", "sent_at"]


class RecordedByTheServiceAdmin(admin.ModelAdmin):
    """Rows the service writes for /health/ (beat's heartbeat, the last full re-scan): to read, not to edit."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Heartbeat)
class HeartbeatAdmin(RecordedByTheServiceAdmin):
    list_display = ["beat_at"]


@admin.register(FullRescan)
class FullRescanAdmin(RecordedByTheServiceAdmin):
    list_display = ["finished_at", "texts_scanned"]
