from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets

from bulletin.models import Digest
from bulletin.weeks import WEEK_PATTERN
from changes.models import Change


class DigestSerializer(serializers.ModelSerializer):
    changes = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Digest
        fields = ["week", "revision", "compiled_at", "markdown", "html", "changes", "sections"]
        read_only_fields = fields


@extend_schema(tags=["digests"])
class DigestViewSet(viewsets.ReadOnlyModelViewSet):
    """Compiled weekly digests, newest first; `html` is sanitised. Any signed-in user may read them."""

    serializer_class = DigestSerializer
    lookup_field = "week"
    lookup_value_regex = WEEK_PATTERN
    # Only the ids of the changes are serialised: don't load whole Change rows.
    queryset = Digest.objects.order_by("-monday").prefetch_related(
        Prefetch("changes", queryset=Change.objects.only("id"))
    )
