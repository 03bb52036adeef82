from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from bulletin.kpis.exports import report_json
from bulletin.kpis.figures import kpi_report
from bulletin.kpis.forms import KpiRangeForm
from bulletin.permissions import can_see_kpis
from changes.api.errors import BAD_REQUEST, READ_ERRORS


class KpiReportView(APIView):
    @extend_schema(
        tags=["kpis"],
        summary="The shared KPIs, week by week",
        description=(
            "For leads and staff: notice lead time, late changes, handovers confirmed in time and the time to "
            "confirm, texts fixed in time and the time to fix, the digest read by Monday 09:00, open overdue "
            "flags at each week's end. Per team and for all teams, for `weeks` ISO weeks (1–104, default 12) "
            "ending with the week of `until` (default today). A week with nothing to count is null. Each KPI "
            "says how it is counted in `how_counted`."
        ),
        parameters=[
            OpenApiParameter("weeks", OpenApiTypes.INT, description="How many weeks (1–104); 12 by default."),
            OpenApiParameter("until", OpenApiTypes.DATE, description="A day of the last week; today by default."),
            OpenApiParameter("team", OpenApiTypes.STR, description="Team slug; all teams when left out."),
        ],
        responses={200: OpenApiTypes.OBJECT, 400: BAD_REQUEST, **READ_ERRORS},
    )
    def get(self, request):
        if not can_see_kpis(request.user):
            raise PermissionDenied("The KPIs are for leads and staff.")
        # The page's form sends empty fields for "the default"; in the API a parameter sent empty is a mistake.
        empty = [name for name in ("weeks", "until", "team") if name in request.query_params
                 and not request.query_params[name].strip()]  # fmt: skip
        if empty:
            raise ValidationError({name: [_("This value may not be empty.")] for name in empty})
        form = KpiRangeForm(request.query_params)
        if not form.is_valid():
            raise ValidationError({name: list(messages) for name, messages in form.errors.items()})
        arguments = form.range()
        return Response(report_json(kpi_report(**arguments), arguments["team"]))
