"""KPI charts drawn on the server as SVG: one line per series over the weeks, no script and no chart library.

The SVG scales to its box (viewBox), so one drawing serves a desktop and a phone; its labels are text, so a
screen reader and the browser's translation read them. Series colours are listed with the chart as a legend
in HTML, which wraps on a narrow screen.
"""

import math

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from bulletin.kpis.figures import OVERALL, Kpi

WIDTH, HEIGHT = 480, 240
LEFT, RIGHT, TOP, BOTTOM = 50, 18, 12, 44
# Distinct for the common kinds of colour blindness (Okabe and Ito); the overall line is ink.
PALETTE = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442"]
INK = "#1f2933"


def series_colours(team_keys: list[str]) -> dict[str, str]:
    """A colour per team, the same in every chart of a report; the overall line in ink."""
    colours = {key: PALETTE[index % len(PALETTE)] for index, key in enumerate(team_keys)}
    colours[OVERALL] = INK
    return colours


def value_text(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "percent":
        return f"{number_format(value, 0)} %"
    if unit == "days":
        return _("%(days)s d") % {"days": number_format(value, 1)}
    return number_format(value, 0)


def _top(kpi: Kpi) -> float:
    """The top of the y axis: 100 % for shares, else four round steps over the highest value."""
    if kpi.unit == "percent":
        return 100.0
    highest = max((v for series in kpi.series for v in series.values if v is not None), default=0.0)
    raw = max(highest / 4, 1.0)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return 4 * step


def chart_svg(kpi: Kpi, weeks: list[str], colours: dict[str, str]) -> SafeString:
    """The KPI as a line chart; every point carries its value, and how many it was measured over, as a tooltip."""
    top, count = _top(kpi), len(weeks)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(index: int) -> float:
        return LEFT + (plot_w * index / (count - 1) if count > 1 else plot_w / 2)

    def y(value: float) -> float:
        return TOP + plot_h * (1 - min(value, top) / top)

    parts = [
        f'<svg class="kpi-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="chart-{kpi.key}-title" '
        f'xmlns="http://www.w3.org/2000/svg"><title id="chart-{kpi.key}-title">{escape(kpi.title)}</title>'
    ]
    for tick in range(5):
        value = top * tick / 4
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}"/>'
            f'<text class="axis" x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end">'
            f"{escape(value_text(value, kpi.unit) if kpi.unit != 'days' else number_format(value, 0))}</text>"
        )
    every = max(1, math.ceil(count / 12))
    for index, week in enumerate(weeks):
        if index % every == 0 or index == count - 1:
            label = str(int(week[-2:]))
            parts.append(
                f'<text class="axis" x="{x(index):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    axis_title = _("ISO week")  # outside the f-string, where makemessages finds it
    parts.append(
        f'<text class="axis" x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 2}" text-anchor="middle">'
        f"{escape(axis_title)}</text>"
    )
    for series in kpi.series:
        colour, wide = colours[series.key], series.key == OVERALL
        segment: list[str] = []
        segments = [segment]
        for index, value in enumerate(series.values):
            if value is None:
                segment = []
                segments.append(segment)
            else:
                segment.append(f"{x(index):.1f},{y(value):.1f}")
        for points in segments:
            if len(points) > 1:
                parts.append(
                    f'<polyline fill="none" stroke="{colour}" stroke-width="{3 if wide else 2}" '
                    f'points="{" ".join(points)}"/>'
                )
        for index, value in enumerate(series.values):
            if value is None:
                continue
            tip = _("%(series)s, %(week)s: %(value)s (of %(count)s)") % {
                "series": series.label, "week": weeks[index], "value": value_text(value, kpi.unit),
                "count": series.counts[index],
            }  # fmt: skip
            parts.append(
                f'<circle cx="{x(index):.1f}" cy="{y(value):.1f}" r="{4 if wide else 3}" fill="{colour}">'
                f"<title>{escape(tip)}</title></circle>"
            )
    if not any(value is not None for series in kpi.series for value in series.values):
        nothing = _("Nothing to count in these weeks.")
        parts.append(
            f'<text class="empty" x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle">{escape(nothing)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text inside is escaped above
