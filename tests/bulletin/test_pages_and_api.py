import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.serializers import ModelSerializer
from rest_framework.test import APIClient

from bulletin.models import Flag, SupportText
from bulletin.texts.api import FlagSerializer
from bulletin.texts.flags import flag_dismiss, flags_rescan_all, flags_scan_change, flags_scan_texts
from bulletin.texts.selectors import flags_visible_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def flag(delivery_change, make_text):
    make_text("<p>Lieferung in 5&ndash;7 Werktagen. <script>alert(1)</script></p>", title="Lieferzeit-Makro")
    flags_scan_change(change_id=delivery_change.pk)
    return Flag.objects.get()


@pytest.fixture
def consumer(make_user):
    return make_user("helpdesk-sync")


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_agent_sees_the_queue_with_counts_and_overdue_highlight(client, agent, flag):
    client.force_login(agent)
    response = client.get(reverse("flags:list"))
    assert response.status_code == 200
    assert "Lieferzeit-Makro" in response.content.decode()
    assert response.context["counts"] == {"open": 1, "overdue": 0, "resolved": 0, "dismissed": 0}


def test_queue_filters_by_status(client, agent, flag):
    client.force_login(agent)
    assert not client.get(reverse("flags:list"), {"status": "resolved"}).context["page"].object_list


def test_users_without_membership_do_not_see_flags(client, consumer, flag):
    client.force_login(consumer)
    assert client.get(reverse("flags:list")).status_code == 403
    assert client.get(reverse("flags:detail", args=[flag.pk])).status_code == 403


def test_flag_page_highlights_the_escaped_spot_and_shows_the_diff(client, agent, flag):
    client.force_login(agent)
    html = client.get(reverse("flags:detail", args=[flag.pk])).content.decode()
    # An HTML body shows as the help centre's readers see it, not as markup.
    shown = html.split('<textarea id="proposed-text"')[0]  # the copy button still copies the body's own markup
    assert "Lieferung in <mark>5–7 Werktage</mark>n." in shown
    assert "&lt;p&gt;" not in shown and "alert(1)" not in shown
    assert "<ins>10</ins>" in html or "<ins>" in html
    assert 'data-copy-target="proposed-text"' in html


def test_dismissing_without_a_reason_shows_the_error_beside_the_field(client, agent, flag):
    client.force_login(agent)
    response = client.post(reverse("flags:dismiss", args=[flag.pk]), {"reason": " "})
    assert response.status_code == 400
    assert "reason_errors" in response.content.decode()
    flag.refresh_from_db()
    assert flag.status == "open"


def test_agent_dismisses_with_a_reason(client, agent, flag):
    client.force_login(agent)
    response = client.post(reverse("flags:dismiss", args=[flag.pk]), {"reason": "Nur B2B"})
    assert response.status_code == 302
    flag.refresh_from_db()
    assert (flag.status, flag.dismissed_by) == ("dismissed", agent)


def test_dismissing_a_flag_someone_just_closed_says_so_on_its_page(client, agent, flag):
    client.force_login(agent)
    client.post(reverse("flags:dismiss", args=[flag.pk]), {"reason": "Nur B2B"})
    response = client.post(reverse("flags:dismiss", args=[flag.pk]), {"reason": "Auch B2B"}, follow=True)
    assert "This flag is no longer open." in response.content.decode()
    flag.refresh_from_db()
    assert flag.dismiss_reason == "Nur B2B"


def test_a_resolved_flag_shows_the_fixed_text_without_a_stale_spot_or_proposal(client, agent, flag):
    text = flag.support_text
    text.body = "Neu: Lieferung in 10–14 Werktagen."
    text.save()
    flags_scan_texts(text_ids=[text.pk])
    client.force_login(agent)
    html = client.get(reverse("flags:detail", args=[flag.pk])).content.decode()
    assert "Neu: Lieferung in 10–14 Werktagen." in html
    assert "<mark>" not in html and "Copy proposed text" not in html
    queue = client.get(reverse("flags:list"), {"status": "resolved"}).content.decode()
    assert "No longer says it." in queue and "5–7 Werktagen" not in queue


def test_an_open_flag_shows_its_spot_in_the_text_as_it_is_now_before_any_scan(client, agent, flag):
    text = flag.support_text
    text.body = "<p>Jetzt: Lieferung in 5–7 Werktagen, bald schneller.</p>"
    text.save()  # no scan yet
    client.force_login(agent)
    html = client.get(reverse("flags:detail", args=[flag.pk])).content.decode()
    assert "Jetzt: Lieferung in <mark>5–7 Werktage</mark>n, bald schneller." in html
    assert "Copy proposed text" in html and "&lt;p&gt;Jetzt: Lieferung in 10–14 Werktagen" in html

    text.body = "Jetzt: Lieferung in 2–3 Werktagen."
    text.save()
    html = client.get(reverse("flags:detail", args=[flag.pk])).content.decode()
    assert "<mark>" not in html and "Copy proposed text" not in html and "the next scan resolves this flag" in html
    queue = client.get(reverse("flags:list")).content.decode()
    assert "No longer says it as found." in queue


def test_lead_may_read_but_not_dismiss(client, lead, flag):
    client.force_login(lead)
    assert client.get(reverse("flags:detail", args=[flag.pk])).status_code == 200
    assert client.post(reverse("flags:dismiss", args=[flag.pk]), {"reason": "x"}).status_code == 403


def test_change_page_lists_its_flags_for_members(client, agent, flag):
    client.force_login(agent)
    html = client.get(reverse("changes:detail", args=[flag.change_id])).content.decode()
    assert "Lieferzeit-Makro" in html and reverse("flags:detail", args=[flag.pk]) in html


def test_api_lists_flags_with_their_support_text(agent, flag, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        response = api(agent).get("/api/v1/flags/", {"status": "open", "kind": "macro", "overdue": "false"})
    assert response.status_code == 200
    item = response.json()["results"][0]
    assert item["support_text"] == {
        "id": flag.support_text_id, "external_id": flag.support_text.external_id, "source": "zendesk",
        "title": "Lieferzeit-Makro", "helpdesk": "", "fix_url": flag.support_text.fix_url,
    }
    assert item["status"] == "open" and item["proposed_text"] and item["resolution"]["dismissed_by"] is None


def test_api_dismiss_needs_a_reason(agent, flag):
    response = api(agent).post(f"/api/v1/flags/{flag.pk}/dismiss/", {}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    response = api(agent).post(f"/api/v1/flags/{flag.pk}/dismiss/", {"reason": "B2B"}, format="json")
    assert response.status_code == 200 and response.json()["resolution"]["dismissed_by"] == "agent"
    resolution, created_at = response.json()["resolution"], response.json()["created_at"]
    assert resolution["dismissed_by_bulletin"] is False
    assert resolution["dismissed_at"][-6:] == created_at[-6:]  # the same time zone notation as every other time


def test_api_dismiss_is_for_agents_and_staff(lead, consumer, flag):
    assert api(lead).post(f"/api/v1/flags/{flag.pk}/dismiss/", {"reason": "x"}, format="json").status_code == 403
    assert api(consumer).get("/api/v1/flags/").status_code == 403


def test_api_support_texts_filter_by_flagged_and_tag(agent, flag, make_text):
    make_text("Danke!", tags=["gruss"], language="de")
    client = api(agent)
    flagged = client.get("/api/v1/support-texts/", {"flagged": "true"}).json()["results"]
    assert [item["id"] for item in flagged] == [flag.support_text_id]
    tagged = client.get("/api/v1/support-texts/", {"tag": "gruss"}).json()["results"]
    assert [item["body"] for item in tagged] == ["Danke!"]
    assert client.get(f"/api/v1/support-texts/{flag.support_text_id}/").json()["open_flags"] == 1


def test_a_tag_filter_matches_whole_tags_exactly(agent, make_text):
    make_text("A", tags=["B2B"])
    make_text("B", tags=['say "hi"', "b2b-extra"])
    client = api(agent)

    def bodies(tag):
        return [item["body"] for item in client.get("/api/v1/support-texts/", {"tag": tag}).json()["results"]]

    assert bodies("B2B") == ["A"]
    assert bodies("b2b") == []
    assert bodies('say "hi"') == ["B"]
    assert bodies("b2b-") == []


def test_api_bulk_upsert_reports_counts_and_per_item_errors(consumer):
    payload = {
        "source": "zendesk",
        "texts": [
            {"external_id": "1", "kind": "macro", "title": "A", "body": "5–7 Werktage"},
            {"external_id": "2", "kind": "nope", "title": "B", "body": "x"},
        ],
    }
    response = api(consumer).post("/api/v1/support-texts/bulk/", payload, format="json")
    assert response.status_code == 200
    assert response.json() == {
        "created": 1, "updated": 0, "unchanged": 0, "rejected": 1,
        "errors": [{"index": 1, "errors": {"kind": "Must be one of: macro, faq."}}],
    }
    again = api(consumer).post("/api/v1/support-texts/bulk/", payload, format="json").json()
    assert (again["created"], again["unchanged"]) == (0, 1)


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"title": "A\u0000B"}, "title"),
        ({"body": "5–7 Werktage\u0000"}, "body"),
        ({"external_id": "1\ud800"}, "external_id"),
        ({"tags": ["ok", "n\u0000l"]}, "tags"),
        ({"tags": [f"t{n}" for n in range(51)]}, "tags"),
        ({"active": None}, "active"),
        ({"active": "maybe"}, "active"),
        ({"active": {"x": 1}}, "active"),
        ({"external_id": 1.5e300}, "external_id"),
        ({"edit_url": "javascript:alert(1)"}, "edit_url"),
        ({"helpdesk": "outlook"}, "helpdesk"),
        ({"body": "x" * 200_001}, "body"),
    ],
)
def test_api_bulk_rejects_an_item_that_cannot_be_stored_as_it_says(consumer, item, field):
    text = {"external_id": "1", "kind": "macro", "title": "A", "body": "5–7 Werktage", **item}
    # json.dumps escapes a lone surrogate as \ud800, the way a client's JSON would carry it.
    body = json.dumps({"source": "zendesk", "texts": [text]})
    response = api(consumer).post("/api/v1/support-texts/bulk/", body, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["rejected"] == 1 and field in response.json()["errors"][0]["errors"]
    assert not SupportText.objects.exists()


def test_api_bulk_keeps_the_edit_link_and_help_desk(consumer):
    text = {
        "external_id": "macro/1", "kind": "macro", "title": "A", "body": "5–7 Werktage",
        "edit_url": "https://acme.zendesk.com/admin/workspaces/agent-workspace/macros/1", "helpdesk": "zendesk",
    }
    response = api(consumer).post("/api/v1/support-texts/bulk/", {"source": "zendesk", "texts": [text]}, format="json")
    assert response.json()["created"] == 1
    stored = SupportText.objects.get()
    assert stored.fix_url == text["edit_url"] and stored.fix_label == "Open in Zendesk"


def test_api_bulk_source_with_a_null_character_is_a_400(consumer):
    text = {"external_id": "1", "kind": "macro", "title": "A", "body": "b"}
    response = api(consumer).post(
        "/api/v1/support-texts/bulk/", {"source": "zen\u0000", "texts": [text]}, format="json"
    )
    assert response.status_code == 400 and "source" in response.json()


def test_api_bulk_keeps_numeric_ids_and_each_tag_once(consumer):
    text = {
        "external_id": 360012345, "kind": "faq", "title": "A", "body": "b", "tags": ["x", "y", "x"], "active": False
    }
    response = api(consumer).post("/api/v1/support-texts/bulk/", {"source": "zendesk", "texts": [text]}, format="json")
    assert response.json()["created"] == 1
    stored = SupportText.objects.get()
    assert (stored.external_id, stored.tags, stored.active) == ("360012345", ["x", "y"], False)


def test_api_bulk_refuses_agents_and_oversized_lists(agent, staff):
    refused = api(agent).post("/api/v1/support-texts/bulk/", {"source": "z", "texts": []}, format="json")
    assert refused.status_code == 403
    too_many = [{"external_id": str(i), "kind": "faq", "title": "t", "body": "b"} for i in range(1001)]
    response = api(staff).post("/api/v1/support-texts/bulk/", {"source": "z", "texts": too_many}, format="json")
    assert response.status_code == 400 and "texts" in response.json()
    response = api(staff).post("/api/v1/support-texts/bulk/", ["not", "an", "object"], format="json")
    assert response.status_code == 400
    assert not SupportText.objects.exists()


def test_queue_query_count_does_not_grow_with_flags(
    client, agent, flag, make_text, delivery_change, django_assert_max_num_queries
):
    for index in range(5):
        make_text(f"Text {index}: 5–7 Werktage.")
    flags_scan_change(change_id=delivery_change.pk)
    client.force_login(agent)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("flags:list"))
    assert len(response.context["page"].object_list) == 6


def test_bad_filter_values_are_shown_beside_their_field_with_no_rows(client, agent, flag):
    client.force_login(agent)
    response = client.get(reverse("flags:list"), {"due_after": "soon", "change": "x"})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_due_after_error"' in html and 'id="id_change_error"' in html
    assert flag.support_text.title not in html


def test_a_due_range_ending_before_it_starts_is_an_error(client, agent, flag):
    client.force_login(agent)
    response = client.get(reverse("flags:list"), {"due_after": "2026-12-31", "due_before": "2026-01-01"})
    assert response.status_code == 400 and 'id="id_due_before_error"' in response.content.decode()
    answer = api(agent).get("/api/v1/flags/", {"due_after": "2026-12-31", "due_before": "2026-01-01"})
    assert answer.status_code == 400 and "due_before" in answer.json()
    assert api(agent).get("/api/v1/flags/", {"overdue": "maybe", "change": "x"}).status_code == 400


def test_admin_edit_of_a_text_queues_its_rescan(client, staff, flag, fake_broker, django_capture_on_commit_callbacks):
    text = flag.support_text
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:bulletin_supporttext_change", args=[text.pk]),
            {"kind": "macro", "title": text.title, "body": "Lieferung in 10–14 Werktagen.", "source": text.source,
             "external_id": text.external_id, "url": "", "language": "de", "tags": "[]", "owner_team": "",
             "active": "on"},
        )
    assert response.status_code == 302
    assert fake_broker.args_of("bulletin.tasks.flags_scan_texts_task") == [([text.pk],)]


def test_api_support_text_without_owner_or_url_says_null_and_empty(agent, make_text):
    make_text("Danke!")
    item = api(agent).get("/api/v1/support-texts/").json()["results"][0]
    assert (item["owner_team"], item["url"]) == (None, "")


def test_queue_and_api_list_open_flags_overdue_first_by_due_date_and_follow_a_moved_date(
    client, agent, make_change, team, make_text
):
    today = timezone.localdate()
    later = make_change(team=team, status="published", facts=[("ab 50 €", "ab 79 €")],
                        effective_from=today + datetime.timedelta(days=10))
    running = make_change(team=team, status="published", facts=[("5–7 Werktage", "10–14 Werktage")],
                          effective_from=today - datetime.timedelta(days=2))
    make_text("Versand frei ab 50 €.", title="Versand")
    make_text("Lieferung in 5–7 Werktagen.", title="Lieferung")
    flags_rescan_all()

    def api_titles():
        answer = api(agent).get("/api/v1/flags/", {"status": "open"}).json()["results"]
        return [(item["support_text"]["title"], item["overdue"]) for item in answer]

    assert api_titles() == [("Lieferung", True), ("Versand", False)]
    client.force_login(agent)
    queue = client.get(reverse("flags:list")).content.decode()
    assert queue.index("Lieferung") < queue.index("Versand")

    # The later change moves before the running one; its next scan (queued by the edit) moves its flags.
    later.effective_from = today - datetime.timedelta(days=5)
    later.save()
    flags_scan_change(change_id=later.pk)
    assert Flag.objects.get(change=later).due == later.effective_from
    assert api_titles() == [("Versand", True), ("Lieferung", True)]
    assert running.flags.get().due == running.effective_from


def test_the_flag_answer_written_by_hand_says_what_the_declared_fields_say(agent, flag, lead):
    from_api = api(agent).get("/api/v1/flags/", {"status": "open"}).json()["results"][0]
    assert list(from_api) == list(FlagSerializer().fields)
    for dismissed in (False, True):
        if dismissed:
            flag_dismiss(flag=flag, user=lead, reason="Nicht betroffen.")
        one = flags_visible_to(agent).defer(None).get(pk=flag.pk)
        serializer = FlagSerializer(one)
        assert serializer.data == ModelSerializer.to_representation(serializer, one)
