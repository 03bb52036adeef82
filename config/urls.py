from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from bulletin.home.views import home

urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("changes/", include("changes.urls")),
    path("flags/", include("bulletin.texts.urls")),
    path("texts/", include("bulletin.texts.text_urls")),
    path("digest/", include("bulletin.digest.urls")),
    path("kpis/", include("bulletin.kpis.urls")),
    path("notifications/", include("notifications.urls")),
    path("api/v1/", include("changes.api.urls")),
    path("api/v1/", include("bulletin.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up code as a script of its own, as the CSP requires.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]
