"""The KPI charts in a real browser: drawn, labelled, readable on a phone, and no console errors."""

import pytest
from django.utils import timezone

from bulletin.demo import demo_seed
from tests.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("width", "language"), [(1280, "en"), (390, "de")])
def test_every_kpi_chart_is_drawn_and_labelled_for_the_demo(browser, live_server, width, language):
    demo_seed()
    context = browser.new_context(locale=language, viewport={"width": width, "height": 900})
    page = context.new_page()
    page.base_url = live_server.url
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, "anna", "bulletin-demo")
    page.goto(f"{live_server.url}/kpis/")
    charts = page.locator("svg.kpi-chart")
    assert charts.count() == 8
    for index in range(8):
        chart = charts.nth(index)
        box = chart.bounding_box()
        assert box["width"] <= width and box["height"] > 100  # fits the screen, not squashed
        assert chart.locator("title").first.text_content()  # labelled for screen readers
        assert chart.locator("circle").count() > 0  # the demo gives every KPI something to show
        assert chart.locator("text.axis").count() >= 12
    this_week = timezone.localdate().isocalendar().week
    assert page.locator("svg.kpi-chart text.axis", has_text=str(this_week)).count() >= 8
    heading = "Vorlaufzeit" if language == "de" else "Notice lead time"
    assert page.locator("#kpi-notice h2").inner_text() == heading
    page.locator("#kpi-notice summary").click()
    assert page.locator("#kpi-notice .kpi-how p").is_visible()
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width  # nothing scrolls sideways
    page.screenshot(path=f"/tmp/kpis-{width}.png", full_page=True)
    assert errors == []
    context.close()
