import datetime

import pytest
import time_machine
from django.utils import timezone

from changes.models import Change

pytestmark = pytest.mark.django_db

LIST = "/api/v1/changes/"


def _payload(**overrides):
    today = timezone.localdate()
    payload = {
        "title": "Längere Lieferzeit für Sofas",
        "team": "einkauf",
        "category": "delivery_time",
        "customer_impact": "Sofas kommen in **3 Wochen**.",
        "support_guidance": "Auf <script>alert(1)</script> die Lieferzeit hinweisen.",
        "effective_from": str(today + datetime.timedelta(days=14)),
        "channels": ["email", "phone"],
        "tags": ["sofa"],
        "severity": "high",
        "fact_changes": [{"old_text": "Lieferung in 1 Woche", "new_text": "Lieferung in 3 Wochen"}],
    }
    payload.update(overrides)
    return payload


def _ids(response):
    return [item["id"] for item in response.json()["results"]]


# --- Access -----------------------------------------------------------------


def test_anonymous_reader_gets_401(client):
    response = client.get(LIST)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")


def test_consumer_reads_published_and_withdrawn_but_no_drafts(token_client, consumer, team, make_change):
    published = make_change(team=team, status="published")
    withdrawn = make_change(team=team, status="withdrawn")
    make_change(team=team, status="draft")
    response = token_client(consumer).get(LIST)
    assert response.status_code == 200
    assert sorted(_ids(response)) == sorted([published.pk, withdrawn.pk])


def test_member_sees_own_teams_drafts_only(token_client, member, team, other_team, make_change):
    own = make_change(team=team)
    other = make_change(team=other_team)
    client = token_client(member)
    assert _ids(client.get(LIST)) == [own.pk]
    assert client.get(f"{LIST}{other.pk}/").status_code == 404


def test_staff_sees_every_draft(token_client, staff, team, make_change):
    draft = make_change(team=team)
    assert _ids(token_client(staff).get(LIST)) == [draft.pk]


def test_teams_are_listed_by_slug(token_client, consumer, team, other_team):
    response = token_client(consumer).get("/api/v1/teams/")
    assert response.json() == [{"slug": "einkauf", "name": "Einkauf"}, {"slug": "logistik", "name": "Logistik"}]


# --- Shape --------------------------------------------------------------------


def test_a_change_is_serialised_with_the_documented_fields(token_client, consumer, team, make_change):
    change = make_change(
        team=team, status="published", facts=[("alt", "neu")], customer_impact="[x](javascript:alert(1))"
    )
    body = token_client(consumer).get(f"{LIST}{change.pk}/").json()
    assert list(body) == [
        "id", "url", "title", "team", "category", "customer_impact", "customer_impact_html", "customer_impact_text",
        "support_guidance", "support_guidance_html", "support_guidance_text", "effective_from", "effective_until",
        "channels", "tags", "severity", "status", "state", "fact_changes", "notice_days", "late", "revision",
        "published_at", "acknowledged_at", "acknowledged_by", "acknowledgement_note", "created_at", "updated_at",
    ]  # fmt: skip
    assert body["state"] == "planned" and body["acknowledged_at"] is None and body["acknowledged_by"] is None
    assert body["team"] == "einkauf"
    assert body["url"] == f"http://testserver/api/v1/changes/{change.pk}/"
    assert body["fact_changes"] == [
        {"old_text": "alt", "new_text": "neu", "search_forms": ["alt"], "old_value": None, "new_value": None}
    ]
    assert "javascript" not in body["customer_impact_html"]
    assert body["notice_days"] == 10 and body["late"] is False


# --- Writing ------------------------------------------------------------------


def test_lead_files_a_draft_with_fact_changes_in_one_request(token_client, lead, team):
    response = token_client(lead).post(LIST, _payload(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert response["Location"] == f"/api/v1/changes/{body['id']}/"
    assert body["status"] == "draft" and body["team"] == "einkauf"
    (fact,) = body["fact_changes"]
    assert (fact["old_text"], fact["new_text"]) == ("Lieferung in 1 Woche", "Lieferung in 3 Wochen")
    # What the scans look for: as filed, with the number in words, and with the glossary's synonym.
    assert fact["search_forms"][0] == "Lieferung in 1 Woche" and "Zustellung in 1 Woche" in fact["search_forms"]
    assert "<script>" not in body["support_guidance_html"]
    assert Change.objects.get().created_by == lead


def test_consumer_cannot_file(token_client, consumer, team):
    response = token_client(consumer).post(LIST, _payload(), format="json")
    assert response.status_code == 403
    assert not Change.objects.exists()


def test_lead_cannot_file_for_another_team(token_client, other_lead, team):
    response = token_client(other_lead).post(LIST, _payload(), format="json")
    assert response.status_code == 403
    assert not Change.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"category": "weather"}, "category"),
        ({"channels": ["pigeon"]}, "channels"),
        ({"channels": []}, "channels"),
        ({"team": "nobody"}, "team"),
        ({"team": "bad\u0000slug"}, "team"),
        ({"title": "nul\u0000byte"}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"effective_from": "2026-02-30"}, "effective_from"),
        ({"effective_from": "2026-12-10", "effective_until": "2026-12-01"}, "effective_until"),
        ({"fact_changes": [{"old_text": "a", "new_text": "b"}, {"old_text": "a", "new_text": "c"}]}, "fact_changes"),
        ({"fact_changes": [{"old_text": "", "new_text": "b"}]}, "fact_changes"),
        ({"fact_changes": [{"old_text": "same", "new_text": "same"}]}, "fact_changes"),
        ({"customer_impact": "x" * 10_001}, "customer_impact"),
        ({"effective_until": "9999-12-31"}, "effective_until"),
        ({"effective_from": "0001-01-01"}, "effective_from"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(token_client, lead, team, overrides, field):
    response = token_client(lead).post(LIST, _payload(**overrides), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Change.objects.exists()


def test_lead_edits_and_publishing_raises_revision_on_later_edits(token_client, lead, team, make_change):
    change = make_change(team=team, facts=[("alt", "neu")])
    client = token_client(lead)
    response = client.patch(f"{LIST}{change.pk}/", {"title": "Neu", "fact_changes": []}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["title"] == "Neu" and response.json()["fact_changes"] == []
    assert client.post(f"{LIST}{change.pk}/publish/").json()["status"] == "published"
    response = client.patch(f"{LIST}{change.pk}/", {"severity": "low"}, format="json")
    assert response.json()["revision"] == 2
    assert client.post(f"{LIST}{change.pk}/withdraw/").json()["status"] == "withdrawn"


def test_patch_keeps_the_facts_when_they_are_not_sent(token_client, lead, team, make_change):
    change = make_change(team=team, facts=[("alt", "neu")])
    response = token_client(lead).patch(f"{LIST}{change.pk}/", {"title": "Neu"}, format="json")
    assert response.json()["fact_changes"] == [
        {"old_text": "alt", "new_text": "neu", "search_forms": ["alt"], "old_value": None, "new_value": None}
    ]


def test_patch_cannot_end_a_change_before_it_starts(token_client, lead, team, make_change):
    change = make_change(team=team, effective_from=datetime.date(2026, 12, 10))
    response = token_client(lead).patch(f"{LIST}{change.pk}/", {"effective_until": "2026-12-01"}, format="json")
    assert response.status_code == 400 and "effective_until" in response.json()


def test_lead_cannot_edit_other_teams_change(token_client, other_lead, team, make_change):
    change = make_change(team=team, status="published")
    client = token_client(other_lead)
    assert client.patch(f"{LIST}{change.pk}/", {"title": "Hijack"}, format="json").status_code == 403
    assert client.post(f"{LIST}{change.pk}/withdraw/").status_code == 403
    change.refresh_from_db()
    assert change.title != "Hijack" and change.status == "published"


def test_consumer_cannot_publish(token_client, consumer, team, make_change):
    change = make_change(team=team, status="published")
    assert token_client(consumer).post(f"{LIST}{change.pk}/withdraw/").status_code == 403


def test_publishing_twice_is_a_400_with_a_reason(token_client, lead, team, make_change):
    change = make_change(team=team, status="published")
    response = token_client(lead).post(f"{LIST}{change.pk}/publish/")
    assert response.status_code == 400 and response.json()["non_field_errors"]


def test_a_withdrawn_change_cannot_be_edited(token_client, lead, team, make_change):
    change = make_change(team=team, status="withdrawn")
    response = token_client(lead).patch(f"{LIST}{change.pk}/", {"title": "Zurück"}, format="json")
    assert response.status_code == 400


def test_there_is_no_delete_or_put(token_client, staff, team, make_change):
    change = make_change(team=team)
    client = token_client(staff)
    assert client.delete(f"{LIST}{change.pk}/").status_code == 405
    assert client.put(f"{LIST}{change.pk}/", _payload(), format="json").status_code == 405
    assert Change.objects.filter(pk=change.pk).exists()


@pytest.mark.parametrize("pk", ["abc", "99999999999999999999999", "0", "%C2%B2", "1.5"])
def test_a_malformed_or_unknown_id_is_a_404(token_client, consumer, pk):
    response = token_client(consumer).get(f"{LIST}{pk}/")
    assert response.status_code == 404 and response.json()["detail"]


# --- Filters and pages --------------------------------------------------------


def test_filters_narrow_the_list(token_client, consumer, team, other_team, make_change):
    wanted = make_change(
        team=team, status="published", category="returns", channels=["phone"], tags=["b2b"], severity="low",
        title="Rücksendungen nur noch online",
    )  # fmt: skip
    make_change(team=other_team, status="published")
    make_change(team=team, status="published", category="pricing", channels=["email"], tags=["b2c"])
    client = token_client(consumer)
    for query in ["team=einkauf&category=returns", "channel=phone", "tag=b2b", "severity=low", "q=online nur"]:
        assert _ids(client.get(f"{LIST}?{query}")) == [wanted.pk], query


def test_updated_since_returns_changes_edited_after_the_moment(token_client, consumer, team, make_change):
    old = make_change(team=team, status="published")
    Change.objects.filter(pk=old.pk).update(updated_at=timezone.now() - datetime.timedelta(days=3))
    recent = make_change(team=team, status="published")
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    assert _ids(token_client(consumer).get(LIST, {"updated_since": since})) == [recent.pk]


def test_ordering_by_effective_date(token_client, consumer, team, make_change):
    late = make_change(team=team, status="published", effective_from=datetime.date(2026, 12, 20))
    early = make_change(team=team, status="published", effective_from=datetime.date(2026, 12, 1))
    client = token_client(consumer)
    assert _ids(client.get(LIST, {"ordering": "effective_from"})) == [early.pk, late.pk]
    assert _ids(client.get(LIST, {"ordering": "-effective_from"})) == [late.pk, early.pk]


@pytest.mark.parametrize(
    "query",
    [
        "active_on=2026-13-01",
        "active_on=tomorrow",
        "active=yes",
        "team=nobody",
        "team=bad%00slug",
        "category=weather",
        "channel=pigeon",
        "status=lost",
        "severity=extreme",
        "updated_since=last-week",
        "ordering=password",
        "ordering=,,,",
        "ordering=title,",
        "page_size=201",
        "page_size=0",
        "page_size=ten",
        "page=",
        "page=0",
        "page=last",
        "page=1.5",
    ],
)
def test_a_malformed_filter_is_a_400_naming_it(token_client, consumer, query):
    response = token_client(consumer).get(f"{LIST}?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.json()


def test_pages_have_count_next_previous_and_results(token_client, consumer, team, make_change):
    for _ in range(3):
        make_change(team=team, status="published")
    client = token_client(consumer)
    body = client.get(LIST, {"page_size": 2}).json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["previous"] is None
    assert "page=2" in body["next"]
    assert len(client.get(body["next"]).json()["results"]) == 1
    assert client.get(LIST, {"page_size": 2, "page": 3}).status_code == 404


def test_the_list_runs_the_same_number_of_queries_for_any_page_size(
    token_client, consumer, team, make_change, django_assert_num_queries
):
    for index in range(30):
        make_change(team=team, status="published", facts=[(f"alt {index}", "neu"), (f"alt2 {index}", "neu")])
    client = token_client(consumer)
    # token, the user's teams, aggregate (ETag and count), page, facts of the page
    for size in (1, 10, 30):
        with django_assert_num_queries(6):  # the glossary, once per answer, for fact_changes[].search_forms
            response = client.get(LIST, {"page_size": size})
        assert len(response.json()["results"]) == size


# --- Throttling -----------------------------------------------------------------


def test_a_token_over_its_rate_gets_429_with_retry_after(token_client, consumer, settings):
    settings.API_THROTTLE_RATE = "2/minute"
    client = token_client(consumer)
    with time_machine.travel(datetime.datetime(2026, 12, 1, 12, 0, 15, tzinfo=datetime.UTC), tick=False):
        assert [client.get("/api/v1/teams/").status_code for _ in range(3)] == [200, 200, 429]
        response = client.get("/api/v1/teams/")
    assert response.status_code == 429 and response["Retry-After"] == "45"


def test_each_token_has_its_own_allowance(token_client, consumer, make_user, settings):
    settings.API_THROTTLE_RATE = "1/minute"
    with time_machine.travel(datetime.datetime(2026, 12, 1, 12, 0, 15, tzinfo=datetime.UTC), tick=False):
        assert token_client(consumer).get("/api/v1/teams/").status_code == 200
        assert token_client(make_user()).get("/api/v1/teams/").status_code == 200
        assert token_client(consumer).get("/api/v1/teams/").status_code == 429


def test_the_allowance_comes_back_in_the_next_window(token_client, consumer, settings):
    settings.API_THROTTLE_RATE = "1/minute"
    client = token_client(consumer)
    with time_machine.travel(datetime.datetime(2026, 12, 1, 12, 0, 15, tzinfo=datetime.UTC), tick=False):
        assert [client.get("/api/v1/teams/").status_code for _ in range(2)] == [200, 429]
    with time_machine.travel(datetime.datetime(2026, 12, 1, 12, 1, 0, tzinfo=datetime.UTC), tick=False):
        assert client.get("/api/v1/teams/").status_code == 200


# --- Schema and docs ------------------------------------------------------------


def test_schema_documents_every_filter_and_error(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    list_operation = schema["paths"]["/api/v1/changes/"]["get"]
    names = {parameter["name"] for parameter in list_operation["parameters"]}
    assert names >= {
        "active_on", "active", "team", "category", "channel", "tag", "status", "severity", "updated_since", "q",
        "ordering", "page", "page_size",
    }  # fmt: skip
    assert set(list_operation["responses"]) >= {"200", "304", "400", "401", "403", "404", "429"}
    create = schema["paths"]["/api/v1/changes/"]["post"]
    assert set(create["responses"]) >= {"201", "400", "401", "403", "429"}


def test_docs_page_is_served_without_a_cdn(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert b"cdn" not in response.content.lower()


@pytest.mark.parametrize("name", ["active_on", "active", "category", "status", "updated_since", "ordering"])
def test_a_typed_filter_sent_empty_is_a_400(token_client, consumer, name):
    response = token_client(consumer).get(f"{LIST}?{name}=")
    assert response.status_code == 400 and name in response.json()


def test_form_encoded_writes_are_refused(token_client, lead, team):
    response = token_client(lead).post(LIST, {"title": "x"})
    assert response.status_code == 415


@pytest.mark.parametrize(
    "moment", ["5213-02-01T15:11:05-17:41", "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"]
)
def test_updated_since_with_odd_offsets_never_fails(token_client, consumer, moment):
    response = token_client(consumer).get(LIST, {"updated_since": moment})
    assert response.status_code in (200, 400)


def test_the_fast_serialiser_gives_what_drf_fields_would(rf, team, make_change):
    from rest_framework import serializers
    from rest_framework.request import Request

    from changes.api.serializers import ChangeSerializer

    change = make_change(team=team, status="published", facts=[("a", "b")], tags=["x"], effective_until=None)
    serializer = ChangeSerializer(change, context={"request": Request(rf.get("/"))})
    generic = serializers.ModelSerializer.to_representation(serializer, change)
    assert serializer.data == generic
    assert list(serializer.data) == list(generic)


def test_a_change_reads_the_same_in_the_list_and_on_its_own(token_client, consumer, team, make_change):
    change = make_change(team=team, status="published", facts=[("a", "b"), ("c", "d")], tags=["x"])
    client = token_client(consumer)
    assert client.get(LIST).json()["results"] == [client.get(f"{LIST}{change.pk}/").json()]


def test_the_schema_builds_without_warnings(tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))



def test_a_channel_or_tag_sent_twice_is_stored_once(token_client, lead, team):
    response = token_client(lead).post(
        LIST, _payload(channels=["email", "email", "phone"], tags=["sofa", "sofa "]), format="json"
    )
    assert response.status_code == 201, response.json()
    change = Change.objects.get()
    assert (change.channels, change.tags) == (["email", "phone"], ["sofa"])


def test_the_api_refuses_line_breaks_in_titles_tags_and_wordings(token_client, lead, team):
    payload = {
        "team": team.slug, "title": "Neue\nLieferzeit", "category": "delivery_time", "severity": "high",
        "effective_from": (timezone.localdate() + datetime.timedelta(days=10)).isoformat(), "channels": ["email"],
        "tags": ["winter\r\nsale"], "fact_changes": [{"old_text": "5–7\nWerktage", "new_text": "10–14 Werktage"}],
    }
    response = token_client(lead).post("/api/v1/changes/", payload, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"title", "tags", "fact_changes"}
    assert "one line" in str(errors["title"]) and "one line" in str(errors["fact_changes"])


def test_revalidations_answered_304_do_not_count_against_the_rate(token_client, lead, team, make_change, settings):
    settings.API_THROTTLE_RATE = "3/minute"
    make_change(team=team, status="published")
    client = token_client(lead)
    first = client.get(LIST)
    etag = first["ETag"]
    revalidated = [client.get(LIST, HTTP_IF_NONE_MATCH=etag).status_code for _ in range(10)]
    assert first.status_code == 200 and revalidated == [304] * 10
    assert [client.get(LIST).status_code for _ in range(3)] == [200, 200, 429]


def test_staff_give_one_token_a_rate_of_its_own(token_client, lead, agent, team, settings):
    from rest_framework.authtoken.models import Token

    from changes.models import ApiTokenRate

    settings.API_THROTTLE_RATE = "2/minute"
    bot = token_client(agent)
    ApiTokenRate.objects.create(token=Token.objects.get(user=agent), rate="60/minute")
    assert [bot.get(LIST).status_code for _ in range(5)] == [200] * 5
    other = token_client(lead)
    assert [other.get(LIST).status_code for _ in range(3)] == [200, 200, 429]
