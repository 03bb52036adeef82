"""The change pages as a reader sees them."""

import datetime

from django.urls import reverse
from django.utils import timezone

from changes.models import Change
from changes.rendering import render_markdown


def test_the_list_is_newest_first_and_paginated(client, agent, make_change, team):
    for number in range(25):
        make_change(team=team, status=Change.Status.PUBLISHED, title=f"Änderung {number:02}")
    client.force_login(agent)
    first = client.get(reverse("changes:list")).content.decode()
    assert first.index("Änderung 24") < first.index("Änderung 23")
    assert "Änderung 04" not in first
    second = client.get(reverse("changes:list"), {"page": 2}).content.decode()
    assert "Änderung 04" in second and "Änderung 24" not in second


def test_the_list_runs_the_same_queries_for_one_or_many_changes(client, agent, make_change, team,
                                                                 django_assert_max_num_queries):
    make_change(team=team, status=Change.Status.PUBLISHED, facts=[("a", "b")])
    client.force_login(agent)
    client.get(reverse("changes:list"))  # warm the session
    with django_assert_max_num_queries(10) as few:
        client.get(reverse("changes:list"))
    for _ in range(19):
        make_change(team=team, status=Change.Status.PUBLISHED, facts=[("a", "b"), ("c", "d")])
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("changes:list"))


def test_the_list_filters_by_team_state_category_and_this_week(client, staff, make_change, team, other_team):
    today = timezone.localdate()
    make_change(team=team, status=Change.Status.PUBLISHED, title="Jetzt", effective_from=today,
                category="pricing")
    make_change(team=other_team, status=Change.Status.PUBLISHED, title="Später",
                effective_from=today + datetime.timedelta(days=30))
    make_change(team=team, title="Entwurf")
    client.force_login(staff)

    def titles(**query):
        page = client.get(reverse("changes:list"), query).context["page"]
        return {change.title for change in page.object_list}

    assert titles(team=team.slug) == {"Jetzt", "Entwurf"}
    assert titles(state="draft") == {"Entwurf"}
    assert titles(state="in_effect") == {"Jetzt"}
    assert titles(state="planned") == {"Später"}
    assert titles(category="pricing") == {"Jetzt"}
    assert titles(this_week="true") == {"Jetzt"}
    assert titles(this_week="false") == {"Später", "Entwurf"}


def test_a_bad_filter_value_is_an_error_beside_its_field_not_an_unfiltered_list(client, agent, make_change, team):
    make_change(team=team, status=Change.Status.PUBLISHED, title="Sichtbar")
    client.force_login(agent)
    response = client.get(reverse("changes:list"), {"state": "nonsense", "team": "nope", "page": "x"})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_state_error"' in html and 'id="id_team_error"' in html and "Sichtbar" not in html


def test_the_yes_no_filter_speaks_the_visitors_language(client, agent):
    client.force_login(agent)
    client.post(reverse("set_language"), {"language": "en", "next": "/changes/"})
    html = client.get(reverse("changes:list")).content.decode()
    assert ">yes<" in html and ">ja<" not in html


def test_the_change_page_renders_markdown_sanitised(client, agent, make_change, team):
    change = make_change(
        team=team,
        status=Change.Status.PUBLISHED,
        customer_impact='Dauer **10–14 Werktage** <script>alert(1)</script> [klick](javascript:alert(1))',
        support_guidance='<img src=x onerror="alert(1)">Bitte ehrlich sein.',
        facts=[("5–7 Werktage", "10–14 Werktage")],
    )
    client.force_login(agent)
    html = client.get(change.get_absolute_url()).content.decode()
    assert "<strong>10–14 Werktage</strong>" in html
    assert "<script>alert" not in html and "javascript:alert" not in html and "onerror" not in html
    assert "5–7 Werktage" in html and "Bitte ehrlich sein." in html


def test_the_change_page_shows_notice_days_and_history(client, lead, team):
    from changes import services

    change = services.change_create(
        user=lead,
        data={"title": "Alt", "team": team, "category": "pricing", "customer_impact": "Teurer.",
              "effective_from": timezone.localdate() + datetime.timedelta(days=3), "channels": ["email"]},
    )
    services.change_publish(change=change, user=lead)
    services.change_update(change=change, user=lead, data={"title": "Neu"})
    client.force_login(lead)
    response = client.get(change.get_absolute_url())
    html = response.content.decode()
    assert response.context["change"].notice_days == 3
    assert "Alt" in html and "Neu" in html  # the history shows old and new value
    assert "lead" in html


def test_publish_and_withdraw_buttons_are_shown_only_to_those_allowed(client, lead, agent, make_change, team):
    change = make_change(team=team, status=Change.Status.PUBLISHED)
    withdraw = reverse("changes:withdraw", args=[change.pk])
    client.force_login(lead)
    assert withdraw in client.get(change.get_absolute_url()).content.decode()
    client.force_login(agent)
    assert withdraw not in client.get(change.get_absolute_url()).content.decode()


def test_the_markdown_preview_is_sanitised(client, lead):
    client.force_login(lead)
    response = client.post(reverse("changes:preview"), {"text": "**fett** <script>x()</script>"})
    assert response.status_code == 200
    assert b"<strong>fett</strong>" in response.content and b"<script" not in response.content


def test_the_markdown_preview_is_for_leads_and_as_long_as_a_change_may_be(client, lead, agent):
    client.force_login(agent)
    assert client.post(reverse("changes:preview"), {"text": "**x**"}).status_code == 403
    client.force_login(lead)
    response = client.post(reverse("changes:preview"), {"text": "x" * 10_001})
    assert response.status_code == 400 and "10000" in response.content.decode()


def test_markdown_with_thousands_of_brackets_shows_them_as_written():
    # Unchecked, python-markdown's link parser took 17 s on this.
    assert render_markdown("[" * 10_000) == "<p>" + "[" * 10_000 + "</p>"


def test_markdown_nested_thousands_deep_is_shown_as_text_not_a_server_error():
    html = render_markdown("- " * 5_000 + "<script>x()</script>")
    assert html.startswith("<p>- - ") and "<script" not in html


def test_the_pages_speak_german_and_english(client, agent, settings):
    client.force_login(agent)
    client.post(reverse("set_language"), {"language": "de", "next": "/changes/"})
    assert "Änderungen" in client.get(reverse("changes:list")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/changes/"})
    assert "Changes" in client.get(reverse("changes:list")).content.decode()


def test_form_errors_are_in_the_users_language(client, lead, team):
    from tests.changes.test_filing import _form_data

    client.force_login(lead)
    client.post(reverse("set_language"), {"language": "de", "next": "/changes/new/"})
    response = client.post(reverse("changes:create"), _form_data(team, effective_until="2026-12-01", channels=[]))
    html = response.content.decode()
    assert "Das Enddatum muss am oder nach dem Startdatum liegen." in html
    assert "Wählen Sie mindestens einen Kanal." in html


def test_a_refusal_says_why_in_the_visitors_language(client, agent):
    client.force_login(agent)
    client.post(reverse("set_language"), {"language": "de", "next": "/changes/"})
    response = client.get(reverse("changes:create"))
    assert response.status_code == 403
    assert "Nur Teamleitungen können Änderungen einreichen." in response.content.decode()


def test_an_account_without_a_team_sees_no_flags_link(client, make_user, agent):
    client.force_login(make_user("chatbot"))
    assert reverse("flags:list") not in client.get(reverse("changes:list")).content.decode()
    client.force_login(agent)
    assert reverse("flags:list") in client.get(reverse("changes:list")).content.decode()


def test_switching_language_on_a_page_reached_by_a_failed_post_returns_to_the_form(client, lead, team):
    client.force_login(lead)
    form_url = reverse("changes:create")
    page = client.post(form_url, {"title": ""}, HTTP_REFERER=f"http://testserver{form_url}").content.decode()
    assert f'name="next" type="hidden" value="http://testserver{form_url}"' in page


def test_the_history_shows_what_an_edited_fact_said_before(client, lead, team):
    from changes import services

    change = services.change_create(
        user=lead,
        data={"title": "Lieferzeit", "team": team, "category": "delivery_time", "customer_impact": "Länger.",
              "effective_from": timezone.localdate() + datetime.timedelta(days=3), "channels": ["email"]},
        facts=[("5–7 Werktage", "10–14 Werktage")],
    )
    services.change_update(change=change, user=lead, data={}, facts=[("5-7 Werktage", "10–14 Werktage")])
    client.force_login(lead)
    html = client.get(change.get_absolute_url()).content.decode()
    assert "changed the fact “5–7 Werktage”:" in html
    # The wording that changed, old and new, with no arrow of the fact inside the arrow of the edit.
    assert "<del>5–7 Werktage</del>" in html and "<ins>5-7 Werktage</ins>" in html
    assert "<del>5–7 Werktage →" not in html
