from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.subscriptions, name="index"),
    # Where e-mails and older pages link; the same page.
    path("email/", views.subscriptions, name="email"),
    path("new/<str:kind>/", views.subscription_new, name="new"),
    path("<int:pk>/", views.subscription_edit, name="edit"),
    path("<int:pk>/switch/", views.subscription_switch_view, name="switch"),
    path("<int:pk>/delete/", views.subscription_delete_view, name="delete"),
    path("<int:pk>/test/", views.subscription_test, name="test"),
    path("<int:pk>/secret/", views.subscription_secret, name="secret"),
    path("unsubscribe/<str:token>/", views.unsubscribe_one_click, name="unsubscribe"),
]
