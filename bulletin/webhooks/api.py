"""POST/GET/DELETE /api/v1/webhooks/: a consumer's own webhooks for change events."""

import re

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from bulletin.webhooks.events import webhook_subscribe, webhook_unsubscribe, webhooks_of
from changes.api.errors import BAD_REQUEST, READ_ERRORS
from changes.api.parsers import SafeJSONParser
from changes.api.serializers import TeamSlugField
from notifications.addresses import host_is_private_literal


class _TeamSlug(TeamSlugField):
    """Reads a team by its slug; writes back the slug a subscription stores (a string, not a Team)."""

    def to_representation(self, value):
        return value


class WebhookSerializer(serializers.Serializer):
    """Where Bulletin POSTs change events, and the secret it signs them with."""

    id = serializers.IntegerField(read_only=True)
    url = serializers.URLField(max_length=500, source="target")
    secret = serializers.CharField(
        write_only=True, min_length=16, max_length=200, help_text=_("Key for the X-Bulletin-Signature HMAC.")
    )
    teams = serializers.ListField(
        child=_TeamSlug(), required=False, max_length=100, help_text=_("Team slugs to hear about; empty for all.")
    )
    created_at = serializers.DateTimeField(read_only=True)

    def validate_url(self, value):
        # URLField also takes ftp://; a webhook must be HTTP.
        if not value.lower().startswith(("http://", "https://")):
            raise serializers.ValidationError(_("Only http and https URLs can receive webhooks."))
        if host_is_private_literal(value):
            raise serializers.ValidationError(_("Webhooks must go to a public address, not localhost or a private IP."))
        return value


@extend_schema_view(
    list=extend_schema(summary="Your webhooks", responses={200: WebhookSerializer(many=True), **READ_ERRORS}),
    create=extend_schema(
        summary="Register a webhook",
        description=(
            "Bulletin POSTs `change.published`, `change.updated` and `change.withdrawn` events as JSON "
            "(`type`, `change`, `revision`, `occurred_at`) signed with "
            "`X-Bulletin-Signature: sha256=<HMAC-SHA256 of the body with your secret>`."
        ),
        responses={201: WebhookSerializer, 400: BAD_REQUEST, **READ_ERRORS},
    ),
    destroy=extend_schema(summary="Stop a webhook", responses={204: None, **READ_ERRORS}),
)
class WebhookViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = WebhookSerializer
    parser_classes = [SafeJSONParser]
    pagination_class = None
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        return webhooks_of(user=self.request.user)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = webhook_subscribe(
            user=self.request.user,
            url=data["target"],
            secret=data["secret"],
            teams=[team.slug for team in data.get("teams", [])],
        )

    def destroy(self, request, pk=None):
        # Someone else's webhook, or an id that is not a number, is simply not there.
        subscription = self.get_queryset().filter(pk=int(pk)).first() if re.fullmatch(r"[0-9]{1,18}", pk) else None
        if subscription is None:
            raise NotFound()
        webhook_unsubscribe(subscription=subscription)
        return Response(status=204)
