from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("email/", views.email_subscription, name="email"),
    path("unsubscribe/<str:token>/", views.unsubscribe_one_click, name="unsubscribe"),
]
