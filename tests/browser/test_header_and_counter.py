"""On a phone the header is one row with a menu; the filing form counts the title's characters as one types."""

import pytest

from changes.models import Membership
from tests.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_on_a_phone_the_header_is_one_row_and_its_menu_opens(browser, live_server, make_user, make_team):
    make_user("anna", team=make_team("einkauf", "Einkauf"), role=Membership.Role.LEAD, password="pw-anna")
    context = browser.new_context(locale="de-DE", viewport={"width": 390, "height": 800})
    page = context.new_page()
    page.base_url = live_server.url
    log_in(page, "anna", "pw-anna")
    page.goto(f"{live_server.url}/changes/")
    header = page.locator(".site-header").bounding_box()
    assert header["height"] < 60  # the brand and the menu button, one row
    assert not page.locator(".main-nav").is_visible()
    page.locator(".menu-button").click()
    assert page.locator(".main-nav a[aria-current=page]").inner_text() == "Änderungen"
    assert page.locator(".main-nav").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()


def test_the_title_counter_says_how_many_characters_are_left(browser_page, make_user, make_team):
    page = browser_page
    make_user("anna", team=make_team("einkauf", "Einkauf"), role=Membership.Role.LEAD, password="pw-anna")
    log_in(page, "anna", "pw-anna")
    page.goto(f"{page.base_url}/changes/new/")
    counter = page.locator("#id_title_counter")
    assert counter.inner_text() == "200 characters left"
    page.fill("#id_title", "Neue Lieferzeit")
    assert counter.inner_text() == "185 characters left"
    page.fill("#id_title", "x" * 205)  # pasted whole, not cut off at 200
    assert counter.inner_text() == "5 characters too many"
    assert page.input_value("#id_title") == "x" * 205
