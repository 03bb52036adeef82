from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.permissions import BasePermission, IsAuthenticated

from bulletin.digest.models import Digest
from bulletin.permissions import can_view_flags
from changes.api.errors import BAD_REQUEST, READ_ERRORS
from changes.api.pagination import ChangePagination
from changes.models import Change


class DigestSerializer(serializers.ModelSerializer):
    changes = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Digest
        fields = ["week", "revision", "compiled_at", "markdown", "html", "changes", "sections"]
        read_only_fields = fields


class CanReadDigests(BasePermission):
    # A digest lists the flagged support texts too, so it is for the same people as the flags.
    message = "Digests are for team members and staff."

    def has_permission(self, request, view):
        return can_view_flags(request.user)


@extend_schema(tags=["digests"])
@extend_schema_view(
    list=extend_schema(
        summary="List digests", responses={200: DigestSerializer(many=True), 400: BAD_REQUEST, **READ_ERRORS}
    ),
    retrieve=extend_schema(summary="Read one week's digest", responses={200: DigestSerializer, **READ_ERRORS}),
)
class DigestViewSet(viewsets.ReadOnlyModelViewSet):
    """Compiled weekly digests, newest first, paginated; `html` is sanitised. For team members and staff."""

    serializer_class = DigestSerializer
    permission_classes = [IsAuthenticated, CanReadDigests]
    pagination_class = ChangePagination
    lookup_field = "week"
    # Any segment reaches the view, so a malformed week gets the API's JSON 404, not the site's HTML one.
    lookup_value_regex = "[^/]+"
    # Only the ids of the changes are serialised: don't load whole Change rows.
    queryset = Digest.objects.order_by("-monday").prefetch_related(
        Prefetch("changes", queryset=Change.objects.only("id"))
    )
