from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from bulletin.models import Digest
from changes.api.errors import READ_ERRORS
from changes.models import Change


class DigestSerializer(serializers.ModelSerializer):
    changes = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Digest
        fields = ["week", "revision", "compiled_at", "markdown", "html", "changes", "sections"]
        read_only_fields = fields


@extend_schema(tags=["digests"])
@extend_schema_view(
    list=extend_schema(summary="List digests", responses={200: DigestSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(summary="Read one week's digest", responses={200: DigestSerializer, **READ_ERRORS}),
)
class DigestViewSet(viewsets.ReadOnlyModelViewSet):
    """Compiled weekly digests, newest first; `html` is sanitised. Any signed-in user may read them."""

    serializer_class = DigestSerializer
    lookup_field = "week"
    # Any segment reaches the view, so a malformed week gets the API's JSON 404, not the site's HTML one.
    lookup_value_regex = "[^/]+"
    # Only the ids of the changes are serialised: don't load whole Change rows.
    queryset = Digest.objects.order_by("-monday").prefetch_related(
        Prefetch("changes", queryset=Change.objects.only("id"))
    )
