from django.urls import path

from bulletin.kpis import views

app_name = "kpis"

urlpatterns = [
    path("", views.kpi_page, name="page"),
    path("<slug:key>.csv", views.kpi_csv_download, name="csv"),
]
