"""Who may do what on the web pages: the permission matrix of the filing issue."""

import pytest
from django.urls import reverse

from changes.models import Change
from tests.changes.test_filing import _form_data

ROLES = ["own_lead", "other_lead", "agent", "staff", "anonymous"]


@pytest.fixture
def people(lead, other_lead, agent, staff):
    return {"own_lead": lead, "other_lead": other_lead, "agent": agent, "staff": staff, "anonymous": None}


def _client(client, people, role):
    if people[role] is not None:
        client.force_login(people[role])
    return client


@pytest.mark.parametrize(("role", "expected"), [
    ("own_lead", 200), ("other_lead", 200), ("agent", 200), ("staff", 200), ("anonymous", 302),
])
def test_list_is_for_signed_in_users(client, people, role, expected):
    response = _client(client, people, role).get(reverse("changes:list"))
    assert response.status_code == expected
    if role == "anonymous":
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(("role", "expected"), [
    ("own_lead", 302), ("other_lead", 200), ("agent", 403), ("staff", 302), ("anonymous", 302),
])
def test_only_leads_of_the_team_and_staff_file_changes(client, people, team, role, expected):
    response = _client(client, people, role).post(reverse("changes:create"), _form_data(team))
    assert response.status_code == expected
    assert Change.objects.exists() is (role in {"own_lead", "staff"})
    if role == "anonymous":
        assert response["Location"].startswith("/accounts/login/")
    if role == "other_lead":  # a lead of another team is told beside the team field
        assert 'id="id_team_error"' in response.content.decode()


def test_the_team_choice_offers_only_teams_the_lead_leads(client, lead, team, other_team):
    client.force_login(lead)
    html = client.get(reverse("changes:create")).content.decode()
    assert "Einkauf" in html and "Logistik" not in html


@pytest.mark.parametrize(("role", "expected", "changed"), [
    ("own_lead", 302, True), ("other_lead", 403, False), ("agent", 403, False),
    ("staff", 302, True), ("anonymous", 302, False),
])
def test_only_leads_of_the_team_and_staff_edit(client, people, make_change, team, role, expected, changed):
    change = make_change(team=team, status=Change.Status.PUBLISHED)
    response = _client(client, people, role).post(
        reverse("changes:edit", args=[change.pk]), _form_data(team, title="Bearbeitet")
    )
    change.refresh_from_db()
    assert response.status_code == expected
    assert (change.title == "Bearbeitet") is changed


@pytest.mark.parametrize(("role", "expected", "published"), [
    ("own_lead", 302, True), ("other_lead", 403, False), ("agent", 403, False),
    ("staff", 302, True), ("anonymous", 302, False),
])
def test_only_leads_of_the_team_and_staff_publish(client, people, make_change, team, role, expected, published):
    change = make_change(team=team, status=Change.Status.PUBLISHED)
    Change.objects.filter(pk=change.pk).update(status=Change.Status.DRAFT, published_at=None)
    # a lead of another team and an agent of another team cannot even see the draft
    if role in {"other_lead", "agent"}:
        expected = 404
    response = _client(client, people, role).post(reverse("changes:publish", args=[change.pk]))
    change.refresh_from_db()
    assert response.status_code == expected
    assert (change.status == Change.Status.PUBLISHED) is published


@pytest.mark.parametrize(("role", "expected", "withdrawn"), [
    ("own_lead", 302, True), ("other_lead", 403, False), ("agent", 403, False),
    ("staff", 302, True), ("anonymous", 302, False),
])
def test_only_leads_of_the_team_and_staff_withdraw(client, people, make_change, team, role, expected, withdrawn):
    change = make_change(team=team, status=Change.Status.PUBLISHED)
    response = _client(client, people, role).post(reverse("changes:withdraw", args=[change.pk]))
    change.refresh_from_db()
    assert response.status_code == expected
    assert (change.status == Change.Status.WITHDRAWN) is withdrawn


@pytest.mark.parametrize("name", ["publish", "withdraw"])
def test_transitions_refuse_get(client, lead, make_change, team, name):
    change = make_change(team=team, status=Change.Status.PUBLISHED)
    client.force_login(lead)
    assert client.get(reverse(f"changes:{name}", args=[change.pk])).status_code == 405


def test_drafts_are_seen_by_the_filing_team_and_staff_only(client, make_user, make_change, team, other_lead, staff):
    draft = make_change(team=team, title="Geheimer Entwurf")
    published = make_change(team=team, title="Öffentliche Änderung", status=Change.Status.PUBLISHED)
    team_agent = make_user("teamagent", team=team)

    for user, sees_draft in [(team_agent, True), (staff, True), (other_lead, False)]:
        client.force_login(user)
        html = client.get(reverse("changes:list")).content.decode()
        assert ("Geheimer Entwurf" in html) is sees_draft
        assert "Öffentliche Änderung" in html
        assert client.get(draft.get_absolute_url()).status_code == (200 if sees_draft else 404)
        assert client.get(published.get_absolute_url()).status_code == 200


def test_withdrawn_changes_stay_readable(client, agent, make_change, team):
    change = make_change(team=team, status=Change.Status.WITHDRAWN, title="Zurückgezogen")
    client.force_login(agent)
    assert "Zurückgezogen" in client.get(change.get_absolute_url()).content.decode()


def test_csrf_protection_stays_on(lead, make_change, team):
    from django.test import Client

    change = make_change(team=team, status=Change.Status.PUBLISHED)
    client = Client(enforce_csrf_checks=True)
    client.force_login(lead)
    assert client.post(reverse("changes:withdraw", args=[change.pk])).status_code == 403
    change.refresh_from_db()
    assert change.status == Change.Status.PUBLISHED
