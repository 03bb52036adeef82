from django.urls import path

from bulletin.texts import views

app_name = "flags"

urlpatterns = [
    path("", views.flag_list, name="list"),
    path("<int:pk>/", views.flag_detail, name="detail"),
    path("<int:pk>/dismiss/", views.flag_dismiss_view, name="dismiss"),
]
