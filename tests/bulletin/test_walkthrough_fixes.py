"""What a first walkthrough found: filters that fail loudly, flags Bulletin closed told apart, the filing form."""

import pytest
from django.urls import reverse

from bulletin.texts.flags import flags_scan_change
from bulletin.texts.models import Flag
from changes.models import Membership

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "query"),
    [("flags:list", {"status": "bogus"}), ("flags:list", {"due_after": "x"}), ("texts:list", {"kind": "bogus"}),
     ("changes:list", {"severity": "loud"})],
)  # fmt: skip
def test_an_invalid_filter_is_a_400_beside_its_field_and_no_counter_drops_to_zero(client, agent, url, query):
    client.force_login(agent)
    response = client.get(reverse(url), query, HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    name = next(iter(query))
    assert response.status_code == 400 and f'id="id_{name}_error"' in html
    assert 'class="flag-counts"' not in html and "<strong>0</strong>" not in html
    assert "Correct the filter above" in html


def test_withdrawing_closes_the_changes_flags_before_its_page_shows_and_labels_them_closed_by_bulletin(
    client, lead, delivery_change, make_text, make_user, team, django_capture_on_commit_callbacks
):
    make_text("Lieferung in 5–7 Werktagen.")
    make_text("Wir liefern in 5–7 Werktagen.")
    flags_scan_change(change_id=delivery_change.pk)
    dismissed = Flag.objects.first()
    Flag.objects.filter(pk=dismissed.pk).update(status="dismissed", dismiss_reason="Betrifft B2B", dismissed_by=lead)
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):  # what a request's commit runs
        client.post(reverse("changes:withdraw", args=[delivery_change.pk]))
    page = client.get(delivery_change.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert "0 open" in html  # the change page's flag count, right after the redirect
    assert html.count(">Closed by Bulletin</span>") == 1 and html.count(">Dismissed</span>") == 1
    agent = make_user("anna", team=team, role=Membership.Role.AGENT)
    client.force_login(agent)
    queue = client.get(reverse("flags:list"), {"status": "dismissed"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'class="badge flag-closed"' in queue and 'class="badge flag-dismissed"' in queue


def test_the_filing_form_asks_for_a_category_and_counts_the_titles_characters(client, lead):
    client.force_login(lead)
    html = client.get(reverse("changes:create"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "---------" not in html
    assert '<option value="" selected>Choose a category…</option>' in html
    assert 'data-counter-for="id_title"' in html and "At most 200 characters." in html
    response = client.post(reverse("changes:create"), {"title": "x" * 201}, HTTP_ACCEPT_LANGUAGE="en")
    assert "at most 200 characters" in response.content.decode()  # beside the field, nothing cut off


def test_the_flags_page_is_called_what_the_navigation_calls_it(client, agent):
    client.force_login(agent)
    html = client.get(reverse("flags:list"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert '<a href="/flags/" aria-current="page">Markierungen</a>' in html and "<h1>Markierungen</h1>" in html
