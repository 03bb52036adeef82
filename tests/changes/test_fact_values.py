"""What a fact's wording states, read for bots: ranges, amounts and durations in German and English."""

import pytest

from changes.fact_values import fact_value


@pytest.mark.parametrize(
    ("text", "low", "high", "unit"),
    [
        ("5–7 Werktage", 5, 7, "business_days"),
        ("5-7 business days", 5, 7, "business_days"),
        ("Lieferzeit 5 bis 7 Werktage", 5, 7, "business_days"),
        ("zwischen fünf und sieben Werktagen", 5, 7, "business_days"),
        ("between 3 and 5 working days", 3, 5, "business_days"),
        ("10 – 14 Arbeitstage", 10, 14, "business_days"),
        ("2–3 Tage", 2, 3, "days"),
        ("1 to 2 weeks", 1, 2, "weeks"),
        ("ein bis zwei Wochen", 1, 2, "weeks"),
    ],
)
def test_a_range_is_read_with_its_ends_and_unit(text, low, high, unit):
    assert fact_value(text) == {"kind": "range", "min": low, "max": high, "unit": unit}


@pytest.mark.parametrize(
    ("text", "value", "currency"),
    [
        ("4,90 €", "4.90", "EUR"),
        ("EUR 4.90", "4.90", "EUR"),
        ("Versand 4,90€", "4.90", "EUR"),
        ("4,90EUR", "4.90", "EUR"),
        ("5 Euro", "5.00", "EUR"),
        ("$5", "5.00", "USD"),
        ("£3.5", "3.50", "GBP"),
        ("CHF 12", "12.00", "CHF"),
        ("1.000,50 €", "1000.50", "EUR"),
        ("1,000.50 USD", "1000.50", "USD"),
        ("Versandkostenfrei ab 50 €", "50.00", "EUR"),
    ],
)
def test_an_amount_is_read_to_the_cent_with_its_currency(text, value, currency):
    assert fact_value(text) == {"kind": "amount", "value": value, "currency": currency}


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("14 Tage", 14, "days"),
        ("30 days", 30, "days"),
        ("Rückgabe innerhalb von 14 Tagen", 14, "days"),
        ("30-Tage-Rückgaberecht", 30, "days"),
        ("2 Wochen", 2, "weeks"),
        ("zwei Wochen", 2, "weeks"),
        ("Lieferung in einer Woche", 1, "weeks"),
        ("3 Werktage", 3, "business_days"),
        ("24h", 24, "hours"),
        ("12 Monate Garantie", 12, "months"),
    ],
)
def test_a_duration_is_read_with_its_unit(text, value, unit):
    assert fact_value(text) == {"kind": "duration", "value": value, "unit": unit}


@pytest.mark.parametrize(
    "text",
    [
        "",
        "kostenloser Versand",
        "Rückgabe 30 Tage, Umtausch 14 Tage",  # two quantities: which one is the fact?
        "bis 14 Uhr bestellt, in 2 Tagen da",  # a number that is none of the kinds
        "4,90–5,90 €",  # a range of amounts
        "5–7",  # a range of nothing
        "7–5 Tage",
        "1,5 Stunden",  # durations are whole numbers
        "ab 01.03.2026",
        "Modell 3000",
        "10 % Rabatt",
    ],
)
def test_what_is_not_one_quantity_reads_as_none(text):
    assert fact_value(text) is None


def test_a_caller_changing_its_value_does_not_change_the_next_reading():
    value = fact_value("5–7 Werktage")
    value["min"] = 99
    assert fact_value("5–7 Werktage")["min"] == 5
