"""REST endpoints for support texts and flags (mounted under /api/v1/)."""

import functools

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from bulletin.permissions import can_dismiss_flags, can_view_flags, can_write_support_texts
from bulletin.texts.filters import FlagFilter, SupportTextFilter
from bulletin.texts.flags import flag_dismiss, flags_scan_texts_enqueue
from bulletin.texts.importing import support_text_source_clean, support_texts_import
from bulletin.texts.models import Flag, Helpdesk, SupportText
from bulletin.texts.selectors import (
    flags_in_queue_order,
    flags_readable_by,
    flags_spots_attach,
    flags_visible_to,
    support_texts_with_open_flags,
)
from changes.api.errors import BAD_REQUEST, READ_ERRORS, WRITE_ERRORS, object_id
from changes.api.filters import NotEmptyMixin
from changes.api.pagination import ChangePagination as Pagination
from changes.api.pagination import IdsFirstPaginator
from changes.api.parsers import SafeJSONParser

BULK_MAX = 1000


class SupportTextApiFilter(NotEmptyMixin, SupportTextFilter):
    NOT_EMPTY = ("kind", "flagged")


class FlagApiFilter(NotEmptyMixin, FlagFilter):
    NOT_EMPTY = ("status", "kind", "team", "change", "due_after", "due_before", "overdue")


class SupportTextSerializer(serializers.ModelSerializer):
    owner_team = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    # A plain string: an empty URL is allowed, and URLField's schema made "" match two oneOf branches.
    url = serializers.CharField(read_only=True, help_text="Where customers read it; empty for a macro.")
    edit_url = serializers.CharField(read_only=True, help_text="Where an agent edits it in the help desk.")
    open_flags = serializers.IntegerField(read_only=True)

    class Meta:
        model = SupportText
        fields = [
            "id", "source", "external_id", "kind", "title", "body", "url", "edit_url", "helpdesk", "language",
            "tags", "owner_team", "active", "open_flags", "created_at", "updated_at",
        ]


@extend_schema(responses={200: SupportTextSerializer(many=True), 400: BAD_REQUEST, **READ_ERRORS})
class SupportTextList(generics.ListAPIView):
    """Support texts (macros and FAQ entries); every signed-in user reads them."""

    serializer_class = SupportTextSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = SupportTextApiFilter
    pagination_class = Pagination

    def get_queryset(self):
        return support_texts_with_open_flags()


@extend_schema(responses={200: SupportTextSerializer, **READ_ERRORS})
class SupportTextDetail(generics.RetrieveAPIView):
    serializer_class = SupportTextSerializer

    def get_object(self):
        object_id(self.kwargs["pk"])
        return super().get_object()

    def get_queryset(self):
        return support_texts_with_open_flags()


class BulkItemSerializer(serializers.Serializer):
    """Documents one item; items are validated by the import service so errors come back per item."""

    external_id = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=SupportText.Kind.choices)
    title = serializers.CharField(max_length=300)
    body = serializers.CharField(max_length=SupportText.MAX_BODY_CHARS)
    url = serializers.URLField(required=False, allow_blank=True, help_text="Where customers read it.")
    edit_url = serializers.URLField(
        required=False, allow_blank=True, help_text="Where an agent edits it in the help desk."
    )
    helpdesk = serializers.ChoiceField(choices=Helpdesk.choices, required=False, allow_blank=True)
    language = serializers.CharField(required=False, allow_blank=True, max_length=10)
    tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False)
    owner_team = serializers.SlugField(required=False, help_text="Slug of the team that owns the text.")
    active = serializers.BooleanField(required=False, default=True)


class BulkInputSerializer(serializers.Serializer):
    source = serializers.CharField(max_length=50)
    texts = BulkItemSerializer(many=True)


BulkResultSerializer = inline_serializer(
    "SupportTextBulkResult",
    {
        "created": serializers.IntegerField(),
        "updated": serializers.IntegerField(),
        "unchanged": serializers.IntegerField(),
        "rejected": serializers.IntegerField(),
        "errors": serializers.ListField(
            child=inline_serializer(
                "SupportTextBulkError",
                {"index": serializers.IntegerField(), "errors": serializers.DictField(child=serializers.CharField())},
            )
        ),
    },
)


class SupportTextBulk(APIView):
    """Upsert up to 1,000 texts by (source, external_id); consumers and staff only."""

    parser_classes = [SafeJSONParser]  # JSON only, as the schema says: texts are a list of objects

    @extend_schema(request=BulkInputSerializer, responses={200: BulkResultSerializer, **WRITE_ERRORS})
    def post(self, request):
        if not can_write_support_texts(request.user):
            raise PermissionDenied("Only API consumers and staff import support texts.")
        data = request.data if isinstance(request.data, dict) else {}
        source, texts = data.get("source"), data.get("texts")
        errors = {}
        try:
            support_text_source_clean(source)
        except DjangoValidationError as error:
            errors.update(error.message_dict)
        if not isinstance(texts, list) or not texts:
            errors["texts"] = [_("Send a non-empty list of texts.")]
        elif len(texts) > BULK_MAX:
            errors["texts"] = [_("At most %(max)s texts per request.") % {"max": BULK_MAX}]
        if errors:
            raise ValidationError(errors)
        with transaction.atomic():
            result = support_texts_import(rows=enumerate(texts), source=source)
            flags_scan_texts_enqueue(text_ids=result.changed_ids)
        return Response(
            {**result.as_dict(), "errors": [{"index": index, "errors": errs} for index, errs in result.rejected]}
        )


class FlagSupportTextSerializer(serializers.ModelSerializer):
    fix_url = serializers.CharField(
        read_only=True, help_text="Where an agent fixes the text: its edit link in the help desk, else its URL."
    )

    class Meta:
        model = SupportText
        fields = ["id", "external_id", "source", "title", "helpdesk", "fix_url"]


class FlagResolutionSerializer(serializers.Serializer):
    resolved_at = serializers.DateTimeField(allow_null=True)
    dismissed_at = serializers.DateTimeField(allow_null=True)
    dismissed_by = serializers.CharField(
        source="dismissed_by.username",
        allow_null=True,
        help_text="Username; null when Bulletin dismissed it or the account is gone.",
    )
    dismissed_by_bulletin = serializers.BooleanField(
        help_text="Bulletin dismissed it: the change was withdrawn or ended."
    )
    dismiss_reason = serializers.CharField()


class FlagSerializer(serializers.ModelSerializer):
    support_text = FlagSupportTextSerializer(read_only=True)
    kind = serializers.CharField(source="support_text.kind", read_only=True)
    overdue = serializers.BooleanField(read_only=True)
    excerpt = serializers.SerializerMethodField(
        help_text="The spot with some context; empty when the text no longer says it."
    )
    match_start = serializers.SerializerMethodField(help_text="Where the spot starts in the support text's body.")
    match_end = serializers.SerializerMethodField()
    proposed_text = serializers.SerializerMethodField(
        help_text="The body with the new wording in the form found; empty without a new wording or a spot."
    )
    # Over the flag itself: a serializer built per flag cost 200 µs a row (FIELD-NOTES).
    resolution = FlagResolutionSerializer(source="*", read_only=True)

    class Meta:
        model = Flag
        fields = [
            "id", "support_text", "kind", "change", "fact_change", "old_text", "new_text", "found_form", "excerpt",
            "match_start", "match_end", "proposed_text", "status", "overdue", "resolution", "created_at", "updated_at",
        ]

    def to_representation(self, flag):
        # By hand over the fields declared above, in their order (a test holds the two equal): DRF's walk
        # over them took a third of a page of 200 flags.
        spot, text, dismissed_by = flag.spot, flag.support_text, flag.dismissed_by
        moment = self._moment.to_representation
        return {
            "id": flag.pk,
            "support_text": {
                "id": text.pk, "external_id": text.external_id, "source": text.source, "title": text.title,
                "helpdesk": text.helpdesk, "fix_url": text.fix_url,
            },
            "kind": text.kind,
            "change": flag.change_id,
            "fact_change": flag.fact_change_id,
            "old_text": flag.old_text,
            "new_text": flag.new_text,
            "found_form": flag.found_form,
            "excerpt": spot.excerpt if spot else "",
            "match_start": spot.start if spot else 0,
            "match_end": spot.end if spot else 0,
            "proposed_text": spot.proposed_text if spot else "",
            "status": flag.status,
            "overdue": flag.overdue,
            "resolution": {
                "resolved_at": moment(flag.resolved_at) if flag.resolved_at else None,
                "dismissed_at": moment(flag.dismissed_at) if flag.dismissed_at else None,
                "dismissed_by": dismissed_by.username if dismissed_by else None,
                "dismissed_by_bulletin": flag.dismissed_by_bulletin,
                "dismiss_reason": flag.dismiss_reason,
            },
            "created_at": moment(flag.created_at),
            "updated_at": moment(flag.updated_at),
        }

    @functools.cached_property
    def _moment(self):
        return serializers.DateTimeField()

    # Worked out from the text as it is now (Flag.spot); a list has them set for its page in bulk.
    def get_excerpt(self, flag) -> str:
        return flag.spot.excerpt if flag.spot else ""

    def get_match_start(self, flag) -> int:
        return flag.spot.start if flag.spot else 0

    def get_match_end(self, flag) -> int:
        return flag.spot.end if flag.spot else 0

    def get_proposed_text(self, flag) -> str:
        return flag.spot.proposed_text if flag.spot else ""


class CanViewFlags(BasePermission):
    message = "Only team members and staff see flags."

    def has_permission(self, request, view):
        return can_view_flags(request.user)


FLAG_COLUMNS = [field.name for field in Flag._meta.concrete_fields]
# What FlagSupportTextSerializer and `kind` read.
TEXT_COLUMNS = ["external_id", "source", "title", "helpdesk", "edit_url", "url", "kind"]


class FlagPagination(Pagination):
    paginator_class = IdsFirstPaginator


@extend_schema(responses={200: FlagSerializer(many=True), 400: BAD_REQUEST, **READ_ERRORS})
class FlagList(generics.ListAPIView):
    """Flags of the changes you may read; members and staff."""

    serializer_class = FlagSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = FlagApiFilter
    pagination_class = FlagPagination
    permission_classes = [IsAuthenticated, CanViewFlags]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Flag.objects.none()
        # Filtered and sorted without joins (ids first: IdsFirstPaginator); the page's rows are read by _rows.
        one_status = bool(self.request.query_params.get("status"))
        return flags_in_queue_order(flags_readable_by(self.request.user), one_status=one_status)

    def _rows(self, ids):
        # Only what the answer holds: the page list's teams and changes, read for 200 rows, cost a third of it.
        return (
            flags_visible_to(self.request.user)
            .filter(pk__in=ids)
            .select_related(None)
            .select_related("support_text", "dismissed_by")
            .only(*FLAG_COLUMNS, *(f"support_text__{name}" for name in TEXT_COLUMNS), "dismissed_by__username")
        )

    def paginate_queryset(self, queryset):
        self.paginator.paginator_kwargs = {"rows": self._rows}
        page = super().paginate_queryset(queryset)
        return None if page is None else flags_spots_attach(page)


class DismissSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class FlagDismiss(APIView):
    """Dismiss an open flag with a reason; agents and staff."""

    permission_classes = [IsAuthenticated, CanViewFlags]

    @extend_schema(request=DismissSerializer, responses={200: FlagSerializer, **WRITE_ERRORS})
    def post(self, request, pk):
        flag = get_object_or_404(flags_visible_to(request.user), pk=object_id(pk))
        if not can_dismiss_flags(request.user):
            raise PermissionDenied("Only support agents and staff dismiss flags.")
        serializer = DismissSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        flag_dismiss(flag=flag, user=request.user, reason=serializer.validated_data["reason"])
        flag = get_object_or_404(flags_visible_to(request.user).defer(None), pk=pk)
        return Response(FlagSerializer(flag).data, status=status.HTTP_200_OK)
