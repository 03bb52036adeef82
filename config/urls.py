from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from bulletin.home.views import home
from changes.accounts import LoginForm, language_set
from config.api_index import ApiIndexView
from config.redoc import RedocView, redoc_bundle_view

urlpatterns = [
    path("", home, name="home"),
    path("accounts/login/", LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    # Django's language switch, which also remembers a logged-in person's choice on their account.
    path("i18n/setlang/", language_set, name="set_language"),
    path("admin/", admin.site.urls),
    path("changes/", include("changes.urls")),
    path("flags/", include("bulletin.texts.urls")),
    path("texts/", include("bulletin.texts.text_urls")),
    path("digest/", include("bulletin.digest.urls")),
    path("kpis/", include("bulletin.kpis.urls")),
    path("notifications/", include("notifications.urls")),
    # For monitors, without a login (bulletin/health/views.py).
    path("health/", include("bulletin.health.urls")),
    # /api/v1/ itself, ahead of the includes so none of their routes can shadow it (their routers have no root).
    path("api/v1/", ApiIndexView.as_view(), name="api-index"),
    path("api/v1/", include("changes.api.urls")),
    path("api/v1/", include("bulletin.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up code as a script of its own, as the CSP requires.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", RedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("api/redoc/redoc.standalone.js", redoc_bundle_view, name="api-redoc-bundle"),
]
