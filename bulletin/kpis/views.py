from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from bulletin.kpis.charts import chart_svg, series_colours, value_text
from bulletin.kpis.exports import kpi_csv
from bulletin.kpis.figures import kpi_report
from bulletin.kpis.forms import KpiRangeForm
from bulletin.permissions import can_see_kpis


def _checked(request) -> KpiRangeForm:
    if not can_see_kpis(request.user):
        raise PermissionDenied(_("The KPIs are for leads and staff."))
    return KpiRangeForm(request.GET or None)


@login_required
def kpi_page(request):
    form = _checked(request)
    if form.is_bound and not form.is_valid():
        return render(request, "bulletin/kpis.html", {"form": form, "charts": []}, status=400)
    report = kpi_report(**form.range())
    query = request.GET.urlencode()
    colours = series_colours(report.team_keys)
    charts = [
        {
            "kpi": kpi,
            "svg": chart_svg(kpi, report.weeks, colours),
            "legend": [(series, colours[series.key]) for series in kpi.series],
            "latest": [(series.label, value_text(series.values[-1], kpi.unit)) for series in kpi.series],
            "csv_query": query,
        }
        for kpi in report.kpis
    ]
    return render(request, "bulletin/kpis.html", {"form": form, "report": report, "charts": charts})


@login_required
def kpi_csv_download(request, key):
    form = _checked(request)
    if form.is_bound and not form.is_valid():
        errors = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in form.errors.items())
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    report = kpi_report(**form.range())
    kpi = next((kpi for kpi in report.kpis if kpi.key == key), None)
    if kpi is None:
        raise Http404
    response = HttpResponse(kpi_csv(kpi, report), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kpi-{key}-{report.weeks[0]}-{report.weeks[-1]}.csv"'
    return response
