import random

import pytest

from bulletin.texts.matching import PhraseMatcher, rows_block
from bulletin.texts.normalising import looks_like_html, normalise, normalise_mapped
from bulletin.texts.spots import spot_locate


def found(phrase: str, body: str) -> bool:
    return bool(PhraseMatcher([(1, normalise(phrase))]).keys_in(normalise(body)))


@pytest.mark.parametrize(
    "body",
    [
        "Die Lieferzeit beträgt 5–7 Werktage.",
        "Die Lieferzeit beträgt 5-7 Werktage.",
        "Die Lieferzeit beträgt 5 – 7 Werktage.",
        "Die Lieferzeit beträgt 5—7 Werktage.",
        "Die Lieferzeit beträgt 5−7 Werktage.",  # minus sign
        "Die Lieferzeit beträgt 5\u20117 Werktage.",  # non-breaking hyphen
        "Die Lieferzeit beträgt 5\u20107 Werktage.",
        "Die Lieferzeit beträgt 5\u20127 Werktage.",
        "Die Lieferzeit beträgt 5 -7 Werktage.",
        "Die Lieferzeit beträgt 5-7 Werktagen.",  # a longer word is fine
        "Die Lieferzeit beträgt 5-7\u00a0Werktage.",  # non-breaking space
        "Die Lieferzeit beträgt 5-7\n   Werktage.",  # line break
        "DIE LIEFERZEIT BETRÄGT 5–7 WERKTAGE.",
        "(5–7 Werktage)",
    ],
)
def test_german_delivery_time_is_found_in_every_spelling(body):
    assert found("5–7 Werktage", body)


@pytest.mark.parametrize(
    "body",
    [
        "Die Lieferzeit beträgt 15–7 Werktage.",  # not at a word start
        "Die Lieferzeit beträgt 5–17 Werktage.",
        "Die Lieferzeit beträgt 5–7 Tage.",
        "Die Lieferzeit beträgt 10–14 Werktage.",
        "Die Lieferzeit beträgt 5 7 Werktage.",
    ],
)
def test_german_delivery_time_is_not_found_where_it_is_not_said(body):
    assert not found("5–7 Werktage", body)


def test_english_phrase_matches_any_case_and_dash():
    assert found("5-7 business days", "Delivery takes 5 — 7 Business Days.")
    assert not found("5-7 business days", "Delivery takes 25-7 business days.")


def test_phrase_ending_in_a_number_does_not_match_a_longer_number():
    assert not found("Modell 8", "Das Modell 85 ist ausverkauft.")
    assert not found("Modell 8", "Das Modell 8,5 ist ausverkauft.")
    assert found("Modell 8", "Das Modell 8 ist ausverkauft.")
    assert found("Modell 8", "Das Modell 8.")
    assert not found("model 8", "Model 85 is sold out.")
    assert found("model 8", "Model 8 is sold out.")


def test_phrase_opening_with_a_number_does_not_start_inside_a_decimal():
    assert not found("5–7 Werktage", "Lieferung in 2,5–7 Werktagen")
    assert not found("5-7 business days", "Delivery in 1.5-7 business days")
    assert found("5–7 Werktage", "Lieferung: 5–7 Werktage.")
    assert found("5–7 Werktage", "Schritt 2. 5–7 Werktage dauert es.")


def test_a_comment_alone_makes_a_body_html_and_an_address_in_brackets_does_not():
    assert found("5–7 Werktage", "Lieferung in 5–7<!-- alt: 3-5 --> Werktagen")
    assert not looks_like_html("Fragen an <info@example.com> oder an <Ihr Name>.")
    assert looks_like_html("Fragen? <A HREF='https://example.com'>Hier</A>")
    spot = spot_locate(body="Fragen an <info@example.com>. Modell 8 ist da.", phrase=normalise("Modell 8"),
                       new_text="Modell 10 & 11 <neu>")
    assert spot.proposed_text == "Fragen an <info@example.com>. Modell 10 & 11 <neu> ist da."
    assert "<info@example.com>" in spot.excerpt


def test_phrase_must_start_at_a_word_start():
    assert not found("rate", "We offer a separate plan.")
    assert found("rate", "Our rates went up.")


def test_typographic_quotes_are_folded():
    assert found('"PayPal Ratenzahlung"', "Wählen Sie „PayPal Ratenzahlung“ an der Kasse.")
    assert found("the 'express' option", "Choose the ‘express’ option.")
    assert found("the 'express' option", "Choose the ’express’ option.")


def test_html_is_read_as_its_visible_text():
    body = "<p>Lieferung in 5&nbsp;&ndash;&nbsp;7 <b>Werktagen</b></p>"
    assert looks_like_html(body)
    assert found("5–7 Werktage", body)
    assert found("ab 50 € versandkostenfrei", "<li>ab 50&#8239;&euro; <em>versandkostenfrei</em></li>")
    assert not found("5–7 Werktage", "<!-- 5–7 Werktage --><p>Schnell da.</p>")
    assert not found("p class", '<p class="x">Schnell</p>')


def test_block_tags_separate_words_but_inline_tags_do_not():
    assert normalise("<p>Liefer</p><p>zeit</p>") == "liefer zeit"
    assert normalise("<b>Liefer</b>zeit") == "lieferzeit"


def test_case_and_compatibility_forms_are_folded():
    assert found("Straße", "STRASSE")
    assert found("ﬁnal sale", "Final Sale")


def test_mapped_normalisation_agrees_with_the_stored_one():
    for body in [
        "  5 – 7\u00a0Werktage  ",
        "<div>Lieferung&nbsp;in <i>5</i>&#8211;7 Werktagen</div>\n<script>x=1</script>",
        "e\u0301te\u0301 — „Zitat“ ﬁ Straße",
        "a - - b",
    ]:
        text, starts, ends = normalise_mapped(body)
        assert text == normalise(body)
        assert len(starts) == len(ends) == len(text)


def test_spot_points_at_the_original_text_and_proposes_every_occurrence():
    body = "Lieferzeit: 5 – 7 Werktage. Wirklich: 5-7 Werktagen!"
    spot = spot_locate(body=body, phrase=normalise("5–7 Werktage"), new_text="10–14 Werktage")
    assert body[spot.start : spot.end] == "5 – 7 Werktage"
    assert spot.occurrences == 2
    assert spot.proposed_text == "Lieferzeit: 10–14 Werktage. Wirklich: 10–14 Werktagen!"
    assert "5 – 7 Werktage" in spot.excerpt


def test_spot_in_html_keeps_markup_balanced_and_escapes_the_new_wording():
    body = "<p>In 5&ndash;7 <b>Werktagen</b> &amp; gratis</p>"
    spot = spot_locate(body=body, phrase=normalise("5–7 Werktage"), new_text="10–14 Werktage <bald>")
    assert spot.proposed_text == "<p>In 10–14 Werktage &lt;bald&gt;<b>n</b> &amp; gratis</p>"
    assert spot.excerpt == "In 5–7 Werktagen & gratis"


def test_no_spot_when_the_phrase_is_absent():
    assert spot_locate(body="Schnell da.", phrase=normalise("5–7 Werktage"), new_text="x") is None


@pytest.mark.parametrize(
    "body",
    [
        "Lieferzeit 5 – 7 Werktagen, nicht 15–7 Werktage; nochmal 5—7 WERKTAGE.",
        "Straße: Modell 8 und Modell 85 und Modell 8,5; „Zitat“ Modell 8.",
        "ﬁnal: 5-7 Werktage",
    ],
)
def test_fast_and_mapped_spot_locations_agree(body):
    for phrase in ("5–7 Werktage", "Modell 8", "strasse", "final"):
        fast = spot_locate(body=body, phrase=normalise(phrase), new_text="X")
        mapped = spot_locate(body=body, phrase=normalise(phrase), new_text="X", mapped=normalise_mapped(body))
        assert fast == mapped


@pytest.mark.parametrize(
    "body",
    [
        "<p>Lieferung in 5&nbsp;&ndash;&nbsp;7 <b>Werktagen</b>. Oder 5-7 Werktage.</p><p>15&ndash;7 Werktage</p>",
        "<div>Modell&nbsp;8 und Modell 85</div><br>Modell 8<i>.</i>",
        "<li>ab 50&#8239;&euro; <em>versandkostenfrei</em></li>",
    ],
)
def test_html_fast_and_mapped_spot_locations_agree(body):
    for phrase in ("5–7 Werktage", "Modell 8", "ab 50 € versandkostenfrei"):
        fast = spot_locate(body=body, phrase=normalise(phrase), new_text="X")
        mapped = spot_locate(body=body, phrase=normalise(phrase), new_text="X", mapped=normalise_mapped(body))
        assert fast == mapped


def test_block_of_rows_finds_the_same_as_one_text_at_a_time():
    matcher = PhraseMatcher([(1, normalise("5–7 Werktage")), (2, normalise("Modell 8")), (3, normalise("werktage"))])
    texts = [normalise(t) for t in ["5-7 Werktage", "Modell 8", "1", "5-7 werktage Modell 85", "", "modell 8"]]
    batch = matcher.pairs_in_rows(rows_block(enumerate(texts, start=10)))
    single = {(index, key) for index, text in enumerate(texts, start=10) for key in matcher.keys_in(text)}
    assert batch == single and (13, 2) not in batch and (12, 2) not in batch


def test_a_match_cannot_span_two_texts():
    matcher = PhraseMatcher([(1, normalise("Werktage Versand"))])
    assert matcher.pairs_in_rows(rows_block([(1, "lieferung in 5-7 werktage"), (2, "versand kostenlos")])) == set()


@pytest.mark.parametrize(
    ("phrase", "body", "expected"),
    [
        (r"C:\Lieferung 5-7", r"Siehe C:\Lieferung 5-7 Werktage", True),
        ("b5", "\b5 werktage", False),  # only the escaped form (backslash, b) says "b5"
        ("tag\\", "am tag\\ danach", True),
    ],
)
def test_backslashes_and_control_characters_match_as_written(phrase, body, expected):
    assert found(phrase, body) is expected


def test_html_excerpt_shows_no_cut_tags_or_entities():
    body = '<p class="intro">' + "x" * 50 + " 5-7 Werktage " + "y" * 40 + ' <a href="https://example.com/lieferung">mehr</a>'
    spot = spot_locate(body=body, phrase=normalise("5–7 Werktage"), new_text="10–14 Werktage")
    assert "<" not in spot.excerpt and ">" not in spot.excerpt and "5-7 Werktage" in spot.excerpt


def test_spots_agree_with_the_per_character_normaliser_on_mixed_texts():
    # The fast way to find a spot must give what the slow, per-character map gives, whatever the spelling.
    rng = random.Random(7)
    pieces = [
        "Lieferzeit", "5", "7", "Werktage", "Straße", "GRÜSSE", "ﬁnal", "Maße", "„Express“", "`quoted´", "naïve",
        "e\u0301t\u00e9", "İstanbul", "10", "€", "&nbsp;", "&ndash;", "<b>", "</b>", "<p>", "</p>", "<br>", "x",
    ]
    gaps = [" ", "  ", "\u00a0", "\n", "\t", " – ", "-", "—", " - ", "\u2011", "", " \u2212 "]
    checked = 0
    for _ in range(400):
        body = "".join(rng.choice(pieces) + rng.choice(gaps) for _ in range(rng.randint(3, 14)))
        normalised = normalise(body)
        words = normalised.split(" ")
        start = rng.randrange(len(words))
        phrase = " ".join(words[start : start + rng.randint(1, 3)]).strip()
        if not phrase:
            continue
        fast = spot_locate(body=body, phrase=phrase, new_text="NEU")
        slow = spot_locate(body=body, phrase=phrase, new_text="NEU", mapped=normalise_mapped(body))
        assert fast == slow, (body, phrase)
        checked += fast is not None
    assert checked > 200


def test_spot_after_a_letter_that_lowers_to_two_characters():
    body = "İstanbul: Lieferung in 5-7 Werktagen."
    spot = spot_locate(body=body, phrase=normalise("5–7 Werktage"), new_text="10–14 Werktage")
    assert body[spot.start : spot.end] == "5-7 Werktage"
    assert spot.proposed_text == "İstanbul: Lieferung in 10–14 Werktagen."


def test_the_proposal_keeps_a_capital_at_the_start_of_a_sentence():
    body = "Ab 50 € versandkostenfrei. Sonst gilt: ab 50 € versandkostenfrei."
    spot = spot_locate(body=body, phrase=normalise("ab 50 € versandkostenfrei"), new_text="ab 79 € versandkostenfrei")
    assert spot.proposed_text == "Ab 79 € versandkostenfrei. Sonst gilt: ab 79 € versandkostenfrei."
