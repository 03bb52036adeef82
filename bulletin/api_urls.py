"""bulletin's part of /api/v1/: digests, webhooks, support texts, flags and the KPIs."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from bulletin.digest.api import DigestViewSet
from bulletin.kpis.api import KpiReportView
from bulletin.texts import api as texts_api
from bulletin.webhooks.api import WebhookViewSet

router = SimpleRouter()
router.register("digests", DigestViewSet, basename="digest")
router.register("webhooks", WebhookViewSet, basename="webhook")

# Ids are matched as any segment and checked in the view, so a malformed one is the API's JSON 404.
urlpatterns = router.urls + [
    path("support-texts/", texts_api.SupportTextList.as_view(), name="api-support-text-list"),
    path("support-texts/bulk/", texts_api.SupportTextBulk.as_view(), name="api-support-text-bulk"),
    path("support-texts/<str:pk>/", texts_api.SupportTextDetail.as_view(), name="api-support-text-detail"),
    path("flags/", texts_api.FlagList.as_view(), name="api-flag-list"),
    path("flags/<str:pk>/dismiss/", texts_api.FlagDismiss.as_view(), name="api-flag-dismiss"),
    path("kpis/", KpiReportView.as_view(), name="api-kpis"),
]
