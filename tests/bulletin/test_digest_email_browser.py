"""The digest e-mail as a mail client shows it: Chromium renders the HTML part at the 600 px column mail clients
give it and at a phone's width; nothing runs off the side, severity and the late marker are visible, the links
to the page and to "Mark as read" are there. Screenshots: /tmp/digest-email-*.png."""

import datetime

import pytest
import time_machine
from django.test import TestCase
from django.utils import timezone

from bulletin.digest.addenda import addendum_deliver
from bulletin.digest.compiling import digest_compile
from bulletin.digest.delivery import digest_deliver
from bulletin.models import Addendum, Digest
from changes import services
from notifications.models import Delivery, Subscription
from tests.bulletin.conftest import WEEK

pytestmark = pytest.mark.django_db(transaction=True)

# The body text of a long word, as leads paste URLs and article numbers without spaces.
UNBROKEN = "Artikelnummer-" + "X" * 120


@pytest.mark.parametrize(("width", "name"), [(600, "desktop"), (375, "phone")])
def test_the_digest_email_reads_well_at_600_px_and_on_a_phone(browser, publish, width, name):
    Subscription.objects.create(kind="email", target="a@example.com", topics=["digest"])
    publish("Sofa sale ends early", starts=0, severity="high", customer_impact=f"Prices **rise**. {UNBROKEN}")
    publish("Garden furniture later", starts=3, severity="low", customer_impact="Delivery takes 10–14 days.",
            facts=[("5–7 Werktage", "10–14 Werktage")])  # fmt: skip
    digest_deliver(digest=digest_compile(week=WEEK).digest)
    html = Delivery.objects.get().payload["html"]

    page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    page.set_content(html)
    page.screenshot(path=f"/tmp/digest-email-{name}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "nothing runs off the side"
    badge = page.get_by_text("High", exact=True).first
    assert badge.is_visible()
    colour = badge.evaluate("element => getComputedStyle(element).backgroundColor")
    assert colour == "rgb(200, 30, 30)", "high severity is red at a glance"
    assert page.get_by_text("late: announced after it took effect").first.is_visible()
    assert page.get_by_role("link", name="Read it on the web").first.is_visible()
    assert page.get_by_role("link", name="Mark as read").first.get_attribute("href").endswith(f"{WEEK}/#digest-end")
    # The column is the mail layout's, never wider than 600 px, and fills a phone's screen.
    column = page.locator("table[width='600']").first.bounding_box()
    assert column["width"] <= 600 and column["width"] >= min(width, 600) - 1


def test_an_addendum_email_shows_before_and_now_with_markdown_rendered_on_a_phone(browser, publish, lead, settings):
    settings.DIGEST_ADDENDUM_DELAY_SECONDS = 0
    Subscription.objects.create(kind="email", target="a@example.com", topics=["addendum"])
    change = publish("Garden furniture", starts=2, user=lead, customer_impact="Delivery takes **5–7 days**.")
    monday_morning = timezone.make_aware(datetime.datetime(2026, 11, 23, 6, 0))
    with time_machine.travel(monday_morning, tick=False):
        Digest.objects.filter(pk=digest_compile(week=WEEK).digest.pk).update(sent_at=timezone.now())
    with time_machine.travel(monday_morning + datetime.timedelta(hours=2), tick=False):
        with TestCase.captureOnCommitCallbacks(execute=True):
            services.change_update(change=change, user=lead, data={"customer_impact": "Delivery takes **10–14 days**."})
        addendum_deliver(addendum_id=Addendum.objects.get().pk)
    html = Delivery.objects.get().payload["html"]

    page = browser.new_context(viewport={"width": 375, "height": 700}).new_page()
    page.set_content(html)
    page.screenshot(path="/tmp/addendum-email-phone.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.get_by_text("Before", exact=True).is_visible() and page.get_by_text("Now", exact=True).is_visible()
    assert page.locator("strong", has_text="10–14 days").is_visible()
