"""The forms a fact is written in: "5–7 Werktage" is also "5 bis 7 Werktage", "fünf bis sieben Werktage" and
"5–7 Arbeitstage"; "4,95 €" is also "€4.95" and "4,95 EUR".

`search_forms(old, new, synonyms=…)` lists (old form, new form) pairs, the wording as filed first.
Each pair applies the same choices to both sides, so a text that says "5 bis 7 Werktage" gets the
proposal "10 bis 14 Werktage"; where the new wording has nothing to rewrite, it stays as filed.
Matching keeps its word rules on every form (bulletin/texts/matching.py): "15 bis 7" and
"5 bis 70" are not "5 bis 7".
"""

import functools
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

MAX_FORMS = 80
# Changes with every edit of this file: forms kept in the database under another are listed again.
RULES_FINGERPRINT = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]

NUMBER_WORDS = {
    # "ein" rather than "eins": a phrase may run on into a longer word, so it also finds "eine", "einen".
    "de": ["null", "ein", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun", "zehn", "elf", "zwölf"],
    "en": ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"],
}
_WORD_VALUES = {word: value for words in NUMBER_WORDS.values() for value, word in enumerate(words)} | {"eins": 1}
# How each language writes a range; the dash is everyone's.
RANGES = {"de": ["{a} bis {b}", "zwischen {a} und {b}"], "en": ["{a} to {b}", "between {a} and {b}"]}

_NUMBER = r"\d+(?:[.,]\d+)?"
_WORD = "|".join(sorted(_WORD_VALUES, key=len, reverse=True))
_TERM = rf"(?:{_NUMBER}|(?:{_WORD})\b)"
_DASHES = "-\u2013\u2014\u2212\u2011\u2010\u2012"
RANGE_RE = re.compile(
    rf"(?:zwischen|between)\s+(?P<a1>{_TERM})\s+(?:und|and)\s+(?P<b1>{_TERM})"
    rf"|(?P<a2>{_TERM})\s*(?:[{_DASHES}]|\bbis\b|\bto\b)\s*(?P<b2>{_TERM})",
    re.IGNORECASE,
)
# A number on its own: not part of a decimal, an amount's digits or a longer number.
LONE_NUMBER_RE = re.compile(rf"(?<![\d.,])(?:\d+|\b(?:{_WORD})\b)(?![\d]|[.,]\d)", re.IGNORECASE)
CURRENCY = r"(?:€|EUR\b|Euro\b)"
AMOUNT_NUMBER = r"\d{1,3}(?:[. \u00a0\u202f]\d{3})+(?:,\d{1,2})?|\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:[.,]\d{1,2})?"
AMOUNT_RE = re.compile(
    rf"(?P<pre>{CURRENCY})\s*(?P<n1>{AMOUNT_NUMBER})|(?P<n2>{AMOUNT_NUMBER})\s*(?P<post>{CURRENCY})", re.IGNORECASE
)
AMOUNT_STYLES = ["{n} €", "{n}€", "€ {n}", "€{n}", "{n} EUR", "EUR {n}", "{n} Euro"]
THOUSANDS_RE = re.compile(r"(?<![\d.,])\d{1,3}(?:[. \u00a0\u202f]\d{3})+(?![\d]|,\d)|(?<![\d.,])\d{4,}(?![\d.,]\d)")


@dataclass(frozen=True)
class Synonym:
    term: str
    synonym: str


@dataclass(frozen=True)
class SearchForm:
    old: str
    new: str


def _value(term: str) -> tuple[int | None, str]:
    """(integer value or None, the decimal digits as written) of a range end."""
    word = term.lower()
    if word in _WORD_VALUES:
        return _WORD_VALUES[word], ""
    if term.isdigit():
        return int(term), ""
    return None, term


def _spell(term: str, numbers: str) -> str:
    """A range end or lone number as digits or in the words of a language ("de", "en"); 13 and up stay digits."""
    value, written = _value(term)
    if value is None:
        return written
    if numbers == "digits" or value > 12:
        return str(value)
    return NUMBER_WORDS[numbers][value]


_GERMAN_HINT = re.compile(
    r"[äöüß]|\b(?:tage?n?|werktage?n?|stunden?|wochen?|monate?n?|bis|und|lieferung|versand\w*)\b", re.I
)
_ENGLISH_HINT = re.compile(
    r"\b(?:days?|hours?|weeks?|months?|business|working|delivery|shipping|within|to|and)\b", re.I
)


def phrase_languages(text: str) -> tuple[str, ...]:
    """The languages a phrase is written in, by its words; both when it does not say (digits and a symbol)."""
    languages = tuple(language for language, hint in (("de", _GERMAN_HINT), ("en", _ENGLISH_HINT)) if hint.search(text))
    return languages or ("de", "en")


def _range_rewriter(style: str, numbers: str):
    """Rewrites a range match as `style` ("{a}–{b}", "{a} bis {b}", …) with its ends spelled per `numbers`;
    in words only when both ends have one ("zehn bis 14" reads wrong: then both stay digits)."""

    def rewrite(match: re.Match) -> str:
        a, b = match.group("a1") or match.group("a2"), match.group("b1") or match.group("b2")
        values = (_value(a)[0], _value(b)[0])
        spelled = numbers if all(v is not None and v <= 12 for v in values) else "digits"
        return style.format(a=_spell(a, spelled), b=_spell(b, spelled))

    return rewrite


def _range_forms(old: str, new: str) -> list[tuple[str, str]]:
    """Every range with a dash, and in its language's words, with digits or that language's number words."""
    if not RANGE_RE.search(old):
        return []
    languages = phrase_languages(old)
    choices = [("{a}–{b}", "digits")]
    choices += [
        (style, numbers) for language in languages for style in RANGES[language] for numbers in ("digits", language)
    ]
    forms = []
    for style, numbers in choices:
        rewrite = _range_rewriter(style, numbers)
        forms.append((RANGE_RE.sub(rewrite, old), RANGE_RE.sub(rewrite, new)))
    return forms


def _lone_number_forms(old: str, new: str) -> list[tuple[str, str]]:
    """A lone 0–12 written out, or a written-out one as digits ("7 Tage" → "sieben Tage", "seven days")."""
    if RANGE_RE.search(old) or not LONE_NUMBER_RE.search(old):
        return []
    last = list(LONE_NUMBER_RE.finditer(old))[-1]
    if not old[last.end() :].strip():
        # A phrase may run on into a longer word: "Modell acht" would find "Modell achtzig".
        return []
    forms = []
    for numbers in ("digits", *phrase_languages(old)):

        def rewrite(match: re.Match, numbers=numbers) -> str:
            return _spell(match.group(), numbers)

        forms.append((LONE_NUMBER_RE.sub(rewrite, old), LONE_NUMBER_RE.sub(rewrite, new)))
    return forms


@functools.lru_cache(maxsize=4096)
def _amount_numbers(number: str) -> tuple[str, ...]:
    """One amount as German and English write it: "1.000,50", "1000,50", "1 000,50", "1,000.50", "1000.50"."""
    digits = re.sub(r"[. \u00a0\u202f,]", "", number)
    decimal_match = re.search(r"[.,](\d{1,2})$", number)
    if decimal_match and not re.search(r"[.,]\d{3}$", number):
        whole, decimals = digits[: -len(decimal_match.group(1))], decimal_match.group(1)
    else:
        whole, decimals = digits, ""
    groups = f"{int(whole):,}" if whole else "0"
    variants = []
    for thousands, point in ((".", ","), ("", ","), (" ", ","), (",", "."), ("", ".")):
        written = groups.replace(",", thousands) if int(whole or 0) >= 1000 else whole
        variants.append(written + (point + decimals if decimals else ""))
    return tuple(dict.fromkeys(variants))


def _amount_forms(old: str, new: str) -> list[tuple[str, str]]:
    amounts = [match.group("n1") or match.group("n2") for match in AMOUNT_RE.finditer(old)]
    if not amounts:
        return []
    choices = max(len(_amount_numbers(number)) for number in amounts)
    forms = []
    for style in AMOUNT_STYLES:
        for choice in range(choices):

            def rewrite(match: re.Match, style=style, choice=choice) -> str:
                variants = _amount_numbers(match.group("n1") or match.group("n2"))
                return style.format(n=variants[min(choice, len(variants) - 1)])

            forms.append((AMOUNT_RE.sub(rewrite, old), AMOUNT_RE.sub(rewrite, new)))
    return forms


def _thousands_forms(old: str, new: str) -> list[tuple[str, str]]:
    """A number of 1,000 and more outside an amount: "1.000", "1000" and "1 000" are one number."""
    if AMOUNT_RE.search(old) or not THOUSANDS_RE.search(old):
        return []
    forms = []
    for separator in (".", "", " ", ","):

        def rewrite(match: re.Match, separator=separator) -> str:
            value = int(re.sub(r"\D", "", match.group()))
            return f"{value:,}".replace(",", separator)

        forms.append((THOUSANDS_RE.sub(rewrite, old), THOUSANDS_RE.sub(rewrite, new)))
    return forms


def _synonym_rewriters(old: str, synonyms: Iterable[Synonym]) -> list[tuple[re.Pattern, str]]:
    """(term at a word start, its synonym) for each glossary term the phrase holds, both ways round."""
    folded = old.casefold()
    rewriters = []
    for pair in synonyms:
        for term, other in ((pair.term, pair.synonym), (pair.synonym, pair.term)):
            if term.casefold() in folded:  # most phrases hold no term: skip the regex
                rewriters.append((_term_pattern(term), other))
    return rewriters


@functools.lru_cache(maxsize=1024)
def _term_pattern(term: str) -> re.Pattern:
    return re.compile(rf"(?<!\w){re.escape(term)}", re.IGNORECASE)


def _synonym_forms(old: str, new: str, rewriters: list[tuple[re.Pattern, str]]) -> list[tuple[str, str]]:
    return [(pattern.sub(other, old), pattern.sub(other, new)) for pattern, other in rewriters if pattern.search(old)]


_WORD_RE = re.compile(r"\w+")


def _may_hold_a_number(text: str) -> bool:
    return any(c.isdigit() for c in text) or any(word in _WORD_VALUES for word in _WORD_RE.findall(text.lower()))


def search_forms(old: str, new: str = "", *, synonyms: Iterable[Synonym] = ()) -> list[SearchForm]:
    """The (old, new) forms of one fact change, the wording as filed first, at most MAX_FORMS.

    Forms differ in what they say, not in case or spacing (matching folds those).
    """
    return list(_search_forms(old, new, tuple(synonyms)))


@functools.lru_cache(maxsize=4096)
def _search_forms(old: str, new: str, synonyms: tuple[Synonym, ...]) -> tuple[SearchForm, ...]:
    # Cached: a scan asks for the forms of every active phrase, and the nightly one asks again for the same.
    rewriters = _synonym_rewriters(old, synonyms)
    forms = [(old, new)]
    if _may_hold_a_number(old):  # most phrases hold none: the number families have nothing to rewrite
        for family in (_range_forms, _lone_number_forms, _amount_forms, _thousands_forms):
            forms = [variant for form in forms for variant in (family(*form) or [form])][:MAX_FORMS]
    forms += [variant for form in forms for variant in _synonym_forms(*form, rewriters)]
    seen, unique = set(), []
    for form_old, form_new in forms:
        key = " ".join(form_old.casefold().split()).replace("–", "-")
        if key not in seen:
            seen.add(key)
            unique.append(SearchForm(form_old, form_new if new else ""))
        if len(unique) == MAX_FORMS:
            break
    return tuple(unique)
