from django.urls import path

from bulletin.texts import text_views

app_name = "texts"

urlpatterns = [
    path("", text_views.text_list, name="list"),
    path("<int:pk>/", text_views.text_detail, name="detail"),
    path("import/", text_views.import_page, name="import"),
    path("import/<int:pk>/", text_views.import_detail, name="import_detail"),
    path("import/<int:pk>/status/", text_views.import_status, name="import_status"),
]
