"""Support confirms the handover of a published change; an edit of what customers feel asks for it again."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from changes import services
from changes.models import Change, Membership

DAY = datetime.timedelta(days=1)


@pytest.fixture
def published(make_change, team, lead):
    return make_change(team=team, user=lead, status=Change.Status.PUBLISHED, facts=[("5–7 Werktage", "10–14")])


def test_a_support_lead_confirms_the_handover_on_the_change_page_with_a_note(client, support_lead, published):
    client.force_login(support_lead)
    page = client.get(published.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Übergabe bestätigt" in page and "noch nicht bestätigt" in page
    response = client.post(
        reverse("changes:acknowledge", args=[published.pk]), {"note": "Makros aktualisiert, Team informiert"}
    )
    assert response.status_code == 302
    published.refresh_from_db()
    assert published.acknowledged_by == support_lead and published.acknowledged_at is not None
    assert published.acknowledgement_note == "Makros aktualisiert, Team informiert"
    page = client.get(published.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Confirmed by supportlead on" in page
    assert "supportlead confirmed the handover for support." in page  # the history
    assert "<q>Makros aktualisiert, Team informiert</q>" in page
    assert 'action="/changes/%d/acknowledge/"' % published.pk not in page  # done: no second button


@pytest.mark.parametrize("who", ["agent", "lead", "staff"])
def test_only_leads_of_a_support_team_can_confirm(client, request, published, who):
    user = request.getfixturevalue(who)
    if who == "agent":  # an agent of a support team is not its lead
        user.memberships.update(role=Membership.Role.AGENT)
        user.memberships.first().team.__class__.objects.update(handles_support=True)
    client.force_login(user)
    assert "acknowledge/" not in client.get(published.get_absolute_url()).content.decode()
    assert client.post(reverse("changes:acknowledge", args=[published.pk])).status_code == 403
    published.refresh_from_db()
    assert published.acknowledged_at is None


def test_a_draft_or_ended_change_cannot_be_handed_over(client, support_lead, make_change, team):
    today = timezone.localdate()
    draft = make_change(team=team)
    ended = make_change(team=team, status=Change.Status.PUBLISHED, effective_from=today - 5 * DAY,
                        effective_until=today - DAY)
    client.force_login(support_lead)
    for change in (draft, ended):
        response = client.post(reverse("changes:acknowledge", args=[change.pk]), follow=True)
        change.refresh_from_db()
        assert change.acknowledged_at is None
    assert "has not ended can be handed over" in response.content.decode()


def _api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def test_the_api_confirms_and_reports_who_and_when(support_lead, published, lead):
    api = _api(support_lead)
    url = reverse("api:change-acknowledge", args=[published.pk])
    response = api.post(url, {"note": "Team gebrieft"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["acknowledged_by"] == "supportlead" and body["acknowledgement_note"] == "Team gebrieft"
    assert body["acknowledged_at"].startswith(timezone.localdate().isoformat())
    assert _api(lead).post(url, {}, format="json").status_code == 403
    too_long = api.post(url, {"note": "x" * 501}, format="json")
    assert too_long.status_code == 400 and "note" in too_long.json()


@pytest.mark.parametrize(
    ("data", "facts", "kept"),
    [
        ({"title": "Neuer Titel"}, None, True),
        ({"severity": "low", "tags": ["neu"]}, None, True),
        ({"customer_impact": "Noch länger."}, None, False),
        ({"support_guidance": "Anders sagen."}, None, False),
        ({"effective_from": timezone.localdate() + 20 * DAY}, None, False),
        ({}, [("5–7 Werktage", "12–16")], False),
    ],
)
def test_an_edit_of_what_customers_feel_asks_for_a_new_confirmation(support_lead, lead, published, data, facts, kept):
    services.change_acknowledge(change=published, user=support_lead, note="ok")
    services.change_update(change=published, user=lead, data=data, facts=facts)
    published.refresh_from_db()
    assert (published.acknowledged_at is not None) is kept
    assert (published.acknowledged_by == support_lead) is kept


def test_an_unconfirmed_change_due_soon_stands_out_in_the_list(client, agent, make_change, team, settings):
    settings.BULLETIN_MIN_NOTICE_DAYS = 7
    today = timezone.localdate()
    soon = make_change(team=team, status=Change.Status.PUBLISHED, title="Bald", effective_from=today + 3 * DAY)
    make_change(team=team, status=Change.Status.PUBLISHED, title="Später", effective_from=today + 30 * DAY)
    client.force_login(agent)
    html = client.get(reverse("changes:list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert html.count('class="handover-due"') == 1 and html.count(">handover due</a>") == 1
    assert f'href="/changes/{soon.pk}/#handover"' in html
