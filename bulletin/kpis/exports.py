"""A KPI as CSV (for Excel, like the change list) and the report as JSON (the API)."""

import csv
import io

from django.utils.translation import gettext as _

from bulletin.kpis.figures import Kpi, KpiReport
from changes.export import BOM, csv_delimiter


def kpi_csv(kpi: Kpi, report: KpiReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=csv_delimiter())
    writer.writerow([_("Week"), _("Monday"), _("Team"), kpi.title, _("Measured over")])
    decimal = "," if csv_delimiter() == ";" else "."
    for series in kpi.series:
        for week, monday, value, count in zip(report.weeks, report.mondays, series.values, series.counts, strict=True):
            shown = "" if value is None else (f"{value:g}".replace(".", decimal))
            writer.writerow([week, monday.isoformat(), series.label, shown, count])
    return BOM + out.getvalue()


def report_json(report: KpiReport, team) -> dict:
    return {
        "weeks": report.weeks,
        "mondays": [monday.isoformat() for monday in report.mondays],
        "team": team.slug if team is not None else None,
        "kpis": [
            {
                "key": kpi.key, "title": str(kpi.title), "unit": kpi.unit, "how_counted": str(kpi.how),
                "series": [
                    {"team": series.key, "label": series.label, "values": series.values, "counts": series.counts}
                    for series in kpi.series
                ],
            }  # fmt: skip
            for kpi in report.kpis
        ],
    }
