from django.urls import path

from bulletin import flags_api

urlpatterns = [
    path("support-texts/", flags_api.SupportTextList.as_view(), name="api-support-text-list"),
    path("support-texts/bulk/", flags_api.SupportTextBulk.as_view(), name="api-support-text-bulk"),
    path("support-texts/<int:pk>/", flags_api.SupportTextDetail.as_view(), name="api-support-text-detail"),
    path("flags/", flags_api.FlagList.as_view(), name="api-flag-list"),
    path("flags/<int:pk>/dismiss/", flags_api.FlagDismiss.as_view(), name="api-flag-dismiss"),
]
