from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="changes:list", permanent=False)),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("changes/", include("changes.urls")),
    path("flags/", include("bulletin.flags_urls")),
    path("api/v1/", include("bulletin.flags_api_urls")),
    path("digest/", include("bulletin.digest_urls")),
    path("notifications/", include("notifications.urls")),
    path("api/v1/", include("bulletin.api_urls")),
]
