"""The product's URLs plus /bench/floor/: the least Django can do to return the same 50 rows."""

import datetime

from django.http import JsonResponse
from django.urls import path

from changes.models import Change
from config.urls import urlpatterns as product_urlpatterns

FIELDS = [
    "id", "title", "team__slug", "category", "customer_impact", "customer_impact_html", "support_guidance",
    "support_guidance_html", "effective_from", "effective_until", "channels", "tags", "severity", "status",
    "revision", "published_at", "created_at", "updated_at",
]  # fmt: skip


def floor(request):
    day = datetime.date.fromisoformat(request.GET["active_on"])
    size = int(request.GET.get("page_size", 50))
    rows = list(Change.objects.active_on(day).order_by("-created_at", "-id").values(*FIELDS)[:size])
    return JsonResponse({"results": rows})


urlpatterns = [*product_urlpatterns, path("bench/floor/", floor)]
