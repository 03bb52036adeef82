from django.urls import path

from changes import views

app_name = "changes"

urlpatterns = [
    path("", views.change_list, name="list"),
    path("new/", views.change_create, name="create"),
    path("preview/", views.markdown_preview, name="preview"),
    path("search-forms/", views.search_forms_preview, name="search-forms"),
    path("calendar.ics", views.change_calendar, name="calendar"),
    path("feed-token/rotate/", views.feed_token_rotate_view, name="feed-token-rotate"),
    path("<int:pk>/", views.change_detail, name="detail"),
    path("<int:pk>/edit/", views.change_edit, name="edit"),
    path("<int:pk>/publish/", views.change_publish, name="publish"),
    path("<int:pk>/withdraw/", views.change_withdraw, name="withdraw"),
    path("<int:pk>/acknowledge/", views.change_acknowledge, name="acknowledge"),
]
