from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="changes:list", permanent=False)),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("changes/", include("changes.urls")),
    path("digest/", include("bulletin.urls")),
    path("notifications/", include("notifications.urls")),
    path("api/v1/", include("bulletin.api_urls")),
]
