"""POST/GET/DELETE /api/v1/webhooks/: a consumer's own webhooks for change events."""

import base64
import binascii
import re

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from bulletin.webhooks.events import webhook_subscribe, webhook_unsubscribe, webhooks_of
from changes.api.errors import BAD_REQUEST, READ_ERRORS
from changes.api.parsers import SafeJSONParser
from changes.api.serializers import TeamSlugField
from notifications.addresses import receiver_url_error
from notifications.models import Subscription
from notifications.transports import SECRET_PREFIX, secret_new


class _TeamSlug(TeamSlugField):
    """Reads a team by its slug; writes back the slug a subscription stores (a string, not a Team)."""

    def to_representation(self, value):
        return value


class WebhookSerializer(serializers.Serializer):
    """Where Bulletin POSTs change events, and the secret it signs them with."""

    id = serializers.IntegerField(read_only=True)
    url = serializers.URLField(max_length=500, source="target")
    secret = serializers.CharField(
        required=False, min_length=16, max_length=200,
        help_text=_(
            "The signing secret, as Standard Webhooks writes it (whsec_ and base64). Leave it out and Bulletin "
            "makes one and shows it in this answer, once. A secret of at least 16 characters without the prefix "
            "still works: verify with whsec_ and the base64 of its UTF-8 bytes."
        ),
    )
    teams = serializers.ListField(
        child=_TeamSlug(), required=False, max_length=100, help_text=_("Team slugs to hear about; empty for all.")
    )
    created_at = serializers.DateTimeField(read_only=True)
    active = serializers.BooleanField(
        read_only=True,
        help_text=_(
            "False once the receiver answered 410 Gone: Bulletin sends it nothing more. Register the URL again to "
            "receive events again."
        ),
    )
    deactivated_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text=_("When the receiver switched it off; null while it is active.")
    )
    deactivated_reason = serializers.SerializerMethodField(
        help_text=_("Why it was switched off: gone, the receiver answered 410 Gone; null while it is active.")
    )

    def validate_secret(self, value):
        if value.startswith(SECRET_PREFIX):
            try:
                key = base64.b64decode(value[len(SECRET_PREFIX):], validate=True)
            except binascii.Error:
                raise serializers.ValidationError(_("After whsec_ a secret must be base64.")) from None
            if len(key) < 16:
                raise serializers.ValidationError(_("A secret must hold at least 16 bytes."))
        return value

    @extend_schema_field(serializers.ChoiceField(choices=[Subscription.Deactivation.GONE.value], allow_null=True))
    def get_deactivated_reason(self, subscription) -> str | None:
        return subscription.deactivated_reason or None

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # A secret is shown once, in the answer that made it; never when listing.
        if not self.context.get("show_secret"):
            data.pop("secret", None)
        return data

    def validate_url(self, value):
        # URLField also takes ftp://; a webhook must be HTTP, and not into the service's own network.
        problem = receiver_url_error(value, kind=Subscription.Kind.WEBHOOK)
        if problem:
            raise serializers.ValidationError(problem)
        return value


@extend_schema_view(
    list=extend_schema(
        summary="Your webhooks",
        description=(
            "Your webhooks, newest first: the active ones, and those the receiver switched off by answering "
            "`410 Gone` (`active: false`, with `deactivated_at` and `deactivated_reason: gone`). Deleted ones are "
            "not listed."
        ),
        responses={200: WebhookSerializer(many=True), **READ_ERRORS},
    ),
    create=extend_schema(
        summary="Register a webhook",
        description=(
            "Bulletin POSTs `change.published`, `change.updated` and `change.withdrawn` events as JSON "
            "(`type`, `change`, `revision`, `occurred_at`) signed as Standard Webhooks describes: `webhook-id`, "
            "`webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>`, which "
            "the `standardwebhooks` libraries verify with your `whsec_` secret (and refuse when the timestamp is "
            "old: a replay). Without a `secret` Bulletin makes one and answers with it once. "
            "`X-Bulletin-Signature: sha256=<HMAC-SHA256 of the body>` is still sent for one release; it is "
            "deprecated. A receiver that answers `410 Gone` switches its webhook off. A test message sent from "
            "the subscriptions page has `type: test`."
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

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        made = "secret" not in data  # the receiver needs it once; one it chose itself is not repeated
        subscription = webhook_subscribe(
            user=request.user,
            url=data["target"],
            secret=data["secret"] if not made else secret_new(),
            teams=[team.slug for team in data.get("teams", [])],
        )
        answer = self.get_serializer(subscription, context={**self.get_serializer_context(), "show_secret": made})
        return Response(answer.data, status=201)

    def destroy(self, request, pk=None):
        # Someone else's webhook, or an id that is not a number, is simply not there.
        subscription = self.get_queryset().filter(pk=int(pk)).first() if re.fullmatch(r"[0-9]{1,18}", pk) else None
        if subscription is None:
            raise NotFound()
        webhook_unsubscribe(subscription=subscription)
        return Response(status=204)
