"""API views: parse, check permissions, call one service or selector, present the result."""


from django.urls import reverse
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from changes import services
from changes.api.conditional import detail_validators, list_validators
from changes.api.errors import BAD_REQUEST, NOT_MODIFIED, READ_ERRORS, WRITE_ERRORS, object_id
from changes.api.filters import ChangeApiFilter
from changes.api.pagination import ChangePagination
from changes.api.parsers import SafeJSONParser
from changes.api.schema import IF_MODIFIED_SINCE, IF_NONE_MATCH
from changes.api.serializers import ROW_FIELDS, AcknowledgeSerializer, ChangeSerializer, TeamSerializer
from changes.api.throttling import throttle_refund
from changes.models import Change, Team
from changes.permissions import can_file, can_manage, changes_visible_to
from changes.selectors import fact_texts_by_change


@extend_schema_view(list=extend_schema(summary="List teams", responses={200: TeamSerializer(many=True), **READ_ERRORS}))
class TeamViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = Team.objects.order_by("name")
    serializer_class = TeamSerializer
    pagination_class = None


class ChangeViewSet(viewsets.GenericViewSet):
    serializer_class = ChangeSerializer
    pagination_class = ChangePagination
    # JSON only: lists (channels, tags, fact_changes) have no unambiguous form encoding.
    parser_classes = [SafeJSONParser]
    filter_backends = [DjangoFilterBackend]
    filterset_class = ChangeApiFilter
    # Any id segment reaches get_object, which answers a JSON 404 for one that is not a number.
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        return changes_visible_to(self.request.user).select_related("team", "acknowledged_by")

    def get_object(self):
        object_id(self.kwargs.get("pk", ""))
        return super().get_object()

    def _fresh(self, change: Change) -> Change:
        return Change.objects.select_related("team", "acknowledged_by").get(pk=change.pk)

    def _require_manage(self, change: Change) -> None:
        if not can_manage(self.request.user, change):
            raise PermissionDenied(_("Only leads of the filing team can change it."))

    @extend_schema(
        summary="List changes",
        description=(
            "Changes you may see: published and withdrawn ones, plus drafts of your own teams. "
            "`active_on=D` answers “what is true for customers on D”. Answers carry an `ETag`; send it back as "
            "`If-None-Match` to get a 304 while the list is unchanged."
        ),
        parameters=[IF_NONE_MATCH],
        responses={200: ChangeSerializer(many=True), 304: NOT_MODIFIED, 400: BAD_REQUEST, **READ_ERRORS},
    )
    def list(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        validators, count = list_validators(
            queryset=queryset, request=request, renderer_format=request.accepted_renderer.format
        )
        not_modified = validators.not_modified(request._request)
        if not_modified is not None:
            throttle_refund(request)
            return not_modified
        # Rows, not model instances, and the facts of the whole page in one more
        # query, whatever its size: building models and prefetch managers for
        # every row cost more than the queries.
        rows = queryset.values(*ROW_FIELDS)
        page = self.paginator.paginate_queryset(rows, request, view=self, count=count)
        texts = fact_texts_by_change(change_ids=[row["id"] for row in page])
        for row in page:
            row["fact_texts"] = texts[row["id"]]
        response = self.paginator.get_paginated_response(self.get_serializer(page, many=True).data)
        return validators.apply(response)

    @extend_schema(
        summary="File a draft",
        description="Leads file for their own teams (staff for any). `fact_changes` are saved with the change.",
        responses={201: ChangeSerializer, **WRITE_ERRORS},
    )
    def create(self, request):
        if not can_file(request.user):
            raise PermissionDenied(_("Only team leads can file changes."))
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data, facts = serializer.service_arguments()
        change = services.change_create(user=request.user, data=data, facts=facts or ())
        location = reverse("api:change-detail", args=[change.pk])
        return Response(self.get_serializer(self._fresh(change)).data, status=201, headers={"Location": location})

    @extend_schema(
        summary="Read a change",
        description=(
            "Answers carry `ETag` and `Last-Modified`; send them back as `If-None-Match` / `If-Modified-Since` "
            "to get a 304 while the change is unchanged."
        ),
        parameters=[IF_NONE_MATCH, IF_MODIFIED_SINCE],
        responses={200: ChangeSerializer, 304: NOT_MODIFIED, **READ_ERRORS},
    )
    def retrieve(self, request, pk=None):
        change = self.get_object()
        validators = detail_validators(change=change, renderer_format=request.accepted_renderer.format)
        not_modified = validators.not_modified(request._request)
        if not_modified is not None:
            throttle_refund(request)
            return not_modified
        return validators.apply(Response(self.get_serializer(change).data))

    @extend_schema(
        summary="Edit a change",
        description=(
            "Only the fields sent are changed; `fact_changes`, when sent, replaces the list. "
            "Editing a published change raises its revision. Withdrawn changes are final."
        ),
        responses={200: ChangeSerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request, pk=None):
        change = self.get_object()
        self._require_manage(change)
        serializer = self.get_serializer(change, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data, facts = serializer.service_arguments()
        services.change_update(change=change, user=request.user, data=data, facts=facts)
        return Response(self.get_serializer(self._fresh(change)).data)

    def _transition(self, service):
        change = self.get_object()
        self._require_manage(change)
        service(change=change, user=self.request.user)
        return Response(self.get_serializer(self._fresh(change)).data)

    @extend_schema(summary="Publish a draft", request=None, responses={200: ChangeSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self._transition(services.change_publish)

    @extend_schema(
        summary="Withdraw a published change", request=None, responses={200: ChangeSerializer, **WRITE_ERRORS}
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._transition(services.change_withdraw)

    @extend_schema(
        summary="Confirm the handover to support",
        description=(
            "A lead of a support team confirms that support has taken the change over, with an optional `note` "
            "(at most 500 characters). Recorded with who and when in the change's history; an edit of what "
            "customers feel (impact, guidance, dates, facts) asks for a new confirmation."
        ),
        request=AcknowledgeSerializer,
        responses={200: ChangeSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        change = self.get_object()
        serializer = AcknowledgeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.change_acknowledge(change=change, user=request.user, note=serializer.validated_data["note"])
        return Response(self.get_serializer(self._fresh(change)).data)
