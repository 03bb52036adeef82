from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications.models import Delivery, DeliveryAttempt, Subscription
from notifications.outbox import outbox_sweep


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["kind", "target", "user", "topics", "active", "created_at"]
    list_filter = ["kind", "active"]
    search_fields = ["target", "user__username"]
    autocomplete_fields = ["user"]


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
