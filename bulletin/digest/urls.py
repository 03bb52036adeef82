from django.urls import path, register_converter

from bulletin.digest import views
from bulletin.digest.feeds import DigestFeed
from bulletin.weeks import WEEK_PATTERN


class WeekConverter:
    regex = WEEK_PATTERN

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(WeekConverter, "isoweek")

app_name = "bulletin"

urlpatterns = [
    path("", views.digest_current, name="digest"),
    path("archive/", views.digest_archive, name="digest-archive"),
    path("compile/", views.digest_compile_now, name="digest-compile"),
    path("feed/", DigestFeed(), name="digest-feed"),
    path("<isoweek:week>/", views.digest_week, name="digest-week"),
    path("<isoweek:week>/read/", views.digest_mark_read, name="digest-read"),
]
