"""What a bot reads beside the wordings and the Markdown: each fact's quantities, and the texts without markup."""

import pytest

from changes.rendering import markdown_as_plain_text

LIST = "/api/v1/changes/"


def test_a_bot_reads_the_numbers_of_each_fact(token_client, consumer, team, make_change):
    change = make_change(
        team=team, status="published",
        facts=[("5–7 Werktage", "10–14 Werktage"), ("Versand 4,90 €", "Versand EUR 5.90"), ("14 Tage", "30 days"),
               ("Lieferung mit DHL", "Lieferung mit GLS")],
    )  # fmt: skip
    facts = token_client(consumer).get(f"{LIST}{change.pk}/").json()["fact_changes"]
    assert [(fact["old_value"], fact["new_value"]) for fact in facts] == [
        (
            {"kind": "range", "min": 5, "max": 7, "unit": "business_days"},
            {"kind": "range", "min": 10, "max": 14, "unit": "business_days"},
        ),
        (
            {"kind": "amount", "value": "4.90", "currency": "EUR"},
            {"kind": "amount", "value": "5.90", "currency": "EUR"},
        ),
        ({"kind": "duration", "value": 14, "unit": "days"}, {"kind": "duration", "value": 30, "unit": "days"}),
        (None, None),
    ]


def test_a_fact_that_is_withdrawn_without_replacement_has_no_new_value(token_client, consumer, team, make_change):
    make_change(team=team, status="published", facts=[("Expressversand in 24h", "")])
    (fact,) = token_client(consumer).get(LIST).json()["results"][0]["fact_changes"]
    assert fact["old_value"] == {"kind": "duration", "value": 24, "unit": "hours"} and fact["new_value"] is None


def test_a_bot_reads_impact_and_guidance_without_markup(token_client, consumer, team, make_change):
    make_change(
        team=team, status="published",
        customer_impact="Lieferzeit steigt auf **10–14 Werktage** & mehr.<script>alert(1)</script>",
        support_guidance="Bitte auf die [FAQ](https://help.example/faq?a=1&b=2) hinweisen:\n\n- Lieferzeit\n- Kosten",
    )  # fmt: skip
    row = token_client(consumer).get(LIST).json()["results"][0]
    assert row["customer_impact_text"] == "Lieferzeit steigt auf 10–14 Werktage & mehr."
    assert row["support_guidance_text"] == (
        "Bitte auf die FAQ (https://help.example/faq?a=1&b=2) hinweisen:\n\n- Lieferzeit\n- Kosten"
    )


def test_the_list_and_the_change_give_the_same_plain_text(token_client, consumer, team, make_change):
    change = make_change(team=team, status="published", customer_impact="*Neu:* 3 &amp; 4", support_guidance="")
    client = token_client(consumer)
    listed, read = client.get(LIST).json()["results"][0], client.get(f"{LIST}{change.pk}/").json()
    assert listed["customer_impact_text"] == read["customer_impact_text"] == "Neu: 3 & 4"
    assert listed["support_guidance_text"] == read["support_guidance_text"] == ""


@pytest.mark.parametrize(
    ("markdown", "text"),
    [
        ("**fett** und *kursiv* und `code`", "fett und kursiv und code"),
        ("5 &lt; 6 &amp; \"x\"", '5 < 6 & "x"'),
        ("[FAQ](https://help.example/a?b=1&c=2)", "FAQ (https://help.example/a?b=1&c=2)"),
        ("<https://help.example/>", "https://help.example/"),  # the address is the text: once
        ("<info@example.com>", "info@example.com"),
        ("Zeile 1\nZeile 2", "Zeile 1\nZeile 2"),
        ("Absatz 1\n\nAbsatz 2", "Absatz 1\n\nAbsatz 2"),
        ("- eins\n- zwei\n    - drei", "- eins\n- zwei\n   - drei"),
        ("1. erst\n2. dann", "1. erst\n2. dann"),
        ("## Neu\n\nText", "Neu\n\nText"),
        ("| A | B |\n|---|---|\n| 1 | 2 |\n\nDanach", "A | B\n1 | 2\n\nDanach"),
        ('<img src=x onerror="alert(1)">Bild <abbr title="a>b">AB</abbr>', "Bild AB"),
        ("", ""),
    ],
)
def test_markdown_as_plain_text(markdown, text):
    assert markdown_as_plain_text(markdown) == text
