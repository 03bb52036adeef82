"""A change's state everywhere, and the change list: its order, filters, search and CSV export."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from changes.models import Change

DAY = datetime.timedelta(days=1)


@pytest.fixture
def changes_in_every_state(make_change, team):
    today = timezone.localdate()
    published = Change.Status.PUBLISHED
    return {
        "draft": make_change(team=team, title="Entwurf"),
        "planned": make_change(team=team, status=published, title="Geplant", effective_from=today + DAY),
        "in_effect": make_change(
            team=team, status=published, title="Gilt", effective_from=today - 3 * DAY, effective_until=today
        ),
        "ended": make_change(
            team=team, status=published, title="Vorbei", effective_from=today - 9 * DAY,
            effective_until=today - DAY,
        ),
        "withdrawn": make_change(team=team, status=Change.Status.WITHDRAWN, title="Zurückgezogen"),
    }


def test_the_state_is_shown_on_the_list_the_page_and_in_the_api(client, lead, changes_in_every_state):
    client.force_login(lead)
    listing = client.get(reverse("changes:list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    labels = {"draft": "Draft", "planned": "Planned", "in_effect": "In effect", "ended": "Ended",
              "withdrawn": "Withdrawn"}  # fmt: skip
    for state, change in changes_in_every_state.items():
        badge = f'<span class="badge state-{state}">{labels[state]}</span>'
        assert badge in listing
        assert badge in client.get(change.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        api = client.get(reverse("api:change-detail", args=[change.pk])).json()
        assert api["state"] == state
    rows = client.get(reverse("api:change-list"), {"page_size": 50}).json()["results"]
    assert {row["title"]: row["state"] for row in rows} == {c.title: s for s, c in changes_in_every_state.items()}
    german = client.get(reverse("changes:list"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert ">In Kraft</span>" in german and ">Geplant</span>" in german and ">Beendet</span>" in german


@pytest.mark.parametrize("state", ["draft", "planned", "in_effect", "ended", "withdrawn"])
def test_the_list_and_the_api_filter_by_state(client, lead, changes_in_every_state, state):
    client.force_login(lead)
    page = client.get(reverse("changes:list"), {"state": state}).context["page"]
    assert [change.pk for change in page.object_list] == [changes_in_every_state[state].pk]
    api = client.get(reverse("api:change-list"), {"state": state}).json()["results"]
    assert [row["id"] for row in api] == [changes_in_every_state[state].pk]


def test_a_state_that_does_not_exist_is_a_400_naming_the_field(client, lead):
    client.force_login(lead)
    assert client.get(reverse("changes:list"), {"state": "soon"}).status_code == 400
    response = client.get(reverse("api:change-list"), {"state": "soon"})
    assert response.status_code == 400 and "state" in response.json()


def test_the_list_is_sorted_by_effective_date_unless_filing_date_is_asked_for(client, lead, make_change, team):
    today = timezone.localdate()
    late = make_change(team=team, title="Spät", effective_from=today + 30 * DAY)
    early = make_change(team=team, title="Früh", effective_from=today + 2 * DAY)
    middle = make_change(team=team, title="Mitte", effective_from=today + 9 * DAY)
    client.force_login(lead)

    def order(**query):
        return [change.pk for change in client.get(reverse("changes:list"), query).context["page"].object_list]

    assert order() == [late.pk, middle.pk, early.pk]
    assert order(sort="effective_asc") == [early.pk, middle.pk, late.pk]
    assert order(sort="filed") == [middle.pk, early.pk, late.pk]
    assert client.get(reverse("changes:list"), {"sort": "title"}).status_code == 400


def test_the_list_filters_by_severity_channel_and_tag(client, lead, make_change, team):
    a = make_change(team=team, title="A", severity="high", channels=["email"], tags=["lieferzeit"])
    b = make_change(team=team, title="B", severity="low", channels=["chat", "phone"], tags=["preise", "sale"])
    client.force_login(lead)

    def titles(**query):
        response = client.get(reverse("changes:list"), query)
        assert response.status_code == 200
        return {change.pk for change in response.context["page"].object_list}

    assert titles(severity="high") == {a.pk}
    assert titles(channel="phone") == {b.pk}
    assert titles(tag="sale") == {b.pk}
    assert titles(tag="sal") == set()  # a tag is matched whole
    assert client.get(reverse("changes:list"), {"channel": "fax"}).status_code == 400


@pytest.fixture
def searchable(make_change, team):
    def make(**fields):
        return make_change(team=team, **{"title": "X", "customer_impact": "Kunden merken es.",
                                         "support_guidance": "Freundlich bleiben.", **fields})  # fmt: skip

    return {
        "title": make(title="Neuer Lieferant für Gartenmöbel"),
        "impact": make(customer_impact="Deliveries take longer from Monday."),
        "guidance": make(support_guidance="Auf die **Retoure** hinweisen."),
        "fact": make(facts=[("5–7 Werktage", "10–14")]),
    }


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("gartenmöbel", {"title"}),
        ("liefer", {"title"}),  # inside a longer word
        ("Retoure", {"guidance"}),
        ("Werktage", {"fact"}),
        ("deliveries longer", {"impact"}),  # every word
        ("deliveries Retoure", set()),
    ],
)
def test_search_finds_words_in_title_impact_guidance_and_facts(client, lead, searchable, query, found):
    client.force_login(lead)
    page = client.get(reverse("changes:list"), {"q": query}).context["page"]
    assert {change.pk for change in page.object_list} == {searchable[name].pk for name in found}
    api = client.get(reverse("api:change-list"), {"q": query}).json()["results"]
    assert {row["id"] for row in api} == {searchable[name].pk for name in found}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text search is PostgreSQL's")
@pytest.mark.parametrize(
    ("query", "found"),
    [("Werktagen", "fact"), ("delivery", "impact"), ("Lieferanten", "title"), ("take longer deliveries", "impact")],
)
def test_full_text_search_finds_other_forms_of_a_word_in_german_and_english(client, lead, searchable, query, found):
    client.force_login(lead)
    page = client.get(reverse("changes:list"), {"q": query}).context["page"]
    assert {change.pk for change in page.object_list} == {searchable[found].pk}


def _csv(response) -> tuple[str, list[list[str]]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    delimiter = ";" if body.splitlines()[0].count(";") > body.splitlines()[0].count(",") else ","
    return body, list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=delimiter))


def test_the_filtered_list_exports_as_csv_for_excel_in_the_readers_language(client, lead, make_change, team):
    make_change(team=team, title="Preise, neu; ab Montag", severity="high", facts=[("4,95 €", "5,95 €")])
    make_change(team=team, title="Leise", severity="low")
    client.force_login(lead)

    german = client.get(reverse("changes:list"), {"severity": "high", "format": "csv"}, HTTP_ACCEPT_LANGUAGE="de")
    assert german["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in german["Content-Disposition"]
    body, rows = _csv(german)
    assert body.startswith("\ufeff") and body.splitlines()[0].count(";") == 13  # BOM, semicolons
    assert rows[0][:3] == ["ID", "Titel", "Team"]
    assert [row[1] for row in rows[1:]] == ["Preise, neu; ab Montag"]  # the filter holds; quoting survives
    assert rows[1][5] == "Hoch" and rows[1][12] == "4,95 € → 5,95 €"

    english = client.get(reverse("changes:list"), {"format": "csv"}, HTTP_ACCEPT_LANGUAGE="en")
    body, rows = _csv(english)
    assert body.splitlines()[0].count(",") == 13 and rows[0][1] == "Title"
    assert {row[1] for row in rows[1:]} == {"Preise, neu; ab Montag", "Leise"}


def test_the_export_button_keeps_the_filters_and_a_bad_filter_exports_nothing(client, lead, make_change, team):
    make_change(team=team, title="Eins")
    client.force_login(lead)
    html = client.get(reverse("changes:list"), {"severity": "high", "q": "Eins"}).content.decode()
    assert "?severity=high&amp;q=Eins&amp;format=csv" in html
    response = client.get(reverse("changes:list"), {"severity": "loud", "format": "csv"})
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")
    assert client.get(reverse("changes:list"), {"format": "xlsx"}).status_code == 400
