from django.contrib import admin

from bulletin.models import Addendum, Digest, DigestRead


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
