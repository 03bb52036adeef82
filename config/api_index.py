"""GET /api/v1/: the API's endpoints and its documentation, as absolute URLs, so a client can start from one address.

It lives here, not in changes.api, because it names bulletin's endpoints too (changes does not know bulletin).
"""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from changes.api.errors import THROTTLED, UNAUTHORISED

# Answer key: URL name. The endpoints of changes.api.urls and bulletin.api_urls, then the documentation.
LINKS = {
    "changes": "api:change-list",
    "teams": "api:team-list",
    "digests": "digest-list",
    "webhooks": "webhook-list",
    "support_texts": "api-support-text-list",
    "flags": "api-flag-list",
    "kpis": "api-kpis",
    "schema": "api-schema",
    "docs": "api-docs",
    "redoc": "api-redoc",
}

ApiIndexSerializer = inline_serializer("ApiIndex", {name: serializers.URLField() for name in LINKS})


class ApiIndexView(APIView):
    @extend_schema(
        operation_id="api_index",
        tags=["index"],
        summary="What the API offers",
        description=(
            "The URL of each endpoint (`changes`, `teams`, `digests`, `webhooks`, `support_texts`, `flags`, "
            "`kpis`), of this schema (`schema`) and of the interactive docs (`docs` for Swagger UI, `redoc`)."
        ),
        responses={200: ApiIndexSerializer, 401: UNAUTHORISED, 429: THROTTLED},
    )
    def get(self, request):
        return Response({name: reverse(url_name, request=request) for name, url_name in LINKS.items()})
