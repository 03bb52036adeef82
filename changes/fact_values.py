"""What a fact's wording states, for machines: "5–7 Werktage" is the range 5 to 7 business days, "4,90 €" the
amount 4.90 EUR, "2 Wochen" the duration of 2 weeks.

`fact_value(text)` gives the one quantity a wording states as a JSON-ready dict, or None when it states none,
several ("Rückgabe 30 Tage, Umtausch 14 Tage"), or numbers it cannot place ("bis 14 Uhr in 2 Tagen"): a bot
that gets a value can rely on it being *the* value of the fact. Numbers are read as the search forms read
them (changes/search_forms.py): digits, 0–12 in German or English words, German and English decimals.
"""

import functools
import re
from decimal import Decimal

from changes.search_forms import AMOUNT_NUMBER, RANGE_RE

# Canonical unit → how German and English write it (any inflection; matched whole words, case-insensitively).
UNITS = {
    "business_days": r"werktag(?:e|en|es|s)?|arbeitstag(?:e|en|es|s)?|geschäftstag(?:e|en|es|s)?"
    r"|business[ -]days?|working[ -]days?|workdays?",
    "days": r"kalendertag(?:e|en|es|s)?|tag(?:e|en|es|s)?|calendar[ -]days?|days?",
    "weeks": r"woche(?:n)?|weeks?",
    "months": r"monat(?:e|en|es|s)?|months?",
    "years": r"jahr(?:e|en|es|s)?|years?",
    "hours": r"stunde(?:n)?|std\.|hours?|hrs?\.?|h",
    "minutes": r"minute(?:n)?|min\.|minutes?|mins?\.?",
}
CURRENCIES = {"€": "EUR", "eur": "EUR", "euro": "EUR", "$": "USD", "usd": "USD", "£": "GBP", "gbp": "GBP",
              "chf": "CHF"}  # fmt: skip

_NUMBER_WORDS = {
    **dict.fromkeys(["null", "zero"], 0),
    **dict.fromkeys(["ein", "eins", "eine", "einen", "einem", "einer", "one"], 1),
    **dict.fromkeys(["zwei", "two"], 2), **dict.fromkeys(["drei", "three"], 3), **dict.fromkeys(["vier", "four"], 4),
    **dict.fromkeys(["fünf", "five"], 5), **dict.fromkeys(["sechs", "six"], 6), **dict.fromkeys(["sieben", "seven"], 7),
    **dict.fromkeys(["acht", "eight"], 8), **dict.fromkeys(["neun", "nine"], 9), **dict.fromkeys(["zehn", "ten"], 10),
    **dict.fromkeys(["elf", "eleven"], 11), **dict.fromkeys(["zwölf", "twelve"], 12),
}  # fmt: skip
_WORD = "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
_UNIT = "|".join(f"(?P<{unit}>{pattern})" for unit, pattern in UNITS.items())
# A unit right after a number: "14 Tage", "24h", "30-Tage-Rückgaberecht"; never the start of a longer word.
_UNIT_AFTER = re.compile(rf"[ \u00a0]*-?[ \u00a0]*(?:{_UNIT})(?![\w])", re.IGNORECASE)
_DURATION_RE = re.compile(rf"(?<![\w.,])(?P<n>\d+|(?:{_WORD})(?!\w))", re.IGNORECASE)
_SYMBOL = r"€|\$|£"
_CODE = r"eur|usd|gbp|chf"
_LETTER = r"a-zäöüß"
_AMOUNT_RE = re.compile(
    rf"(?:(?P<pre>{_SYMBOL}|(?<![{_LETTER}])(?:{_CODE})(?![{_LETTER}]))[ \u00a0]*(?P<n1>{AMOUNT_NUMBER})(?![\d])"
    rf"|(?<![\d.,])(?P<n2>{AMOUNT_NUMBER})[ \u00a0]*(?P<post>{_SYMBOL}|(?:{_CODE}|euro)(?![{_LETTER}])))",
    re.IGNORECASE,
)
_DIGIT = re.compile(r"\d")
_ANY_WORD_NUMBER = re.compile(rf"\b(?:{_WORD})\b", re.IGNORECASE)


def fact_value(text: str) -> dict | None:
    """The one quantity `text` states, or None.

    {"kind": "range", "min": 5, "max": 7, "unit": "business_days"}, {"kind": "amount", "value": "4.90",
    "currency": "EUR"} (two decimals, as a string: no float rounding) or {"kind": "duration", "value": 14,
    "unit": "days"}; units are the keys of UNITS, currencies ISO 4217 codes.
    """
    value = _fact_value(text)
    return dict(value) if value else None  # a copy: the cached one is shared


@functools.lru_cache(maxsize=4096)
def _fact_value(text: str) -> dict | None:
    # Cached: a page lists up to 200 changes, and the same wordings come back on every page a bot polls.
    if not text or not _DIGIT.search(text) and not _ANY_WORD_NUMBER.search(text):
        return None
    readings: list[dict | None] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= taken_start or start >= taken_end for taken_start, taken_end in taken)

    # Ranges first: in "5–7 €" the 7 is not an amount of its own. A range without a unit still counts, as
    # an unreadable quantity.
    for match in RANGE_RE.finditer(text):
        unit = _UNIT_AFTER.match(text, match.end())
        taken.append((match.start(), unit.end() if unit else match.end()))
        readings.append(_range(match, unit))
    for match in _AMOUNT_RE.finditer(text):
        if free(match.start(), match.end()):
            taken.append((match.start(), match.end()))
            readings.append(_amount(match))
    for match in _DURATION_RE.finditer(text):
        unit = _UNIT_AFTER.match(text, match.end())
        if unit and free(match.start(), unit.end()):
            taken.append((match.start(), unit.end()))
            readings.append({"kind": "duration", "value": _integer(match.group("n")), "unit": unit.lastgroup})
    rest = "".join(" " if any(start <= i < end for start, end in taken) else char for i, char in enumerate(text))
    if len(readings) != 1 or _DIGIT.search(rest):  # several quantities, or a number we cannot place
        return None
    return readings[0]


def _integer(term: str) -> int | None:
    word = term.lower()
    if word in _NUMBER_WORDS:
        return _NUMBER_WORDS[word]
    return int(term) if term.isdigit() else None


def _range(match: re.Match, unit: re.Match | None) -> dict | None:
    low = _integer(match.group("a1") or match.group("a2"))
    high = _integer(match.group("b1") or match.group("b2"))
    if unit is None or low is None or high is None or low > high:  # "1,5–2 Stunden", "7–5 Tage"
        return None
    return {"kind": "range", "min": low, "max": high, "unit": unit.lastgroup}


def _amount(match: re.Match) -> dict:
    symbol = (match.group("pre") or match.group("post")).lower()
    return {"kind": "amount", "value": str(_decimal(match.group("n1") or match.group("n2"))),
            "currency": CURRENCIES[symbol]}  # fmt: skip


def _decimal(number: str) -> Decimal:
    """An amount as German or English write it ("1.000,50", "1,000.50", "4,9", "5"), to the cent.

    A separator followed by one or two final digits is the decimal point; every other one groups thousands.
    """
    number = re.sub(r"[ \u00a0\u202f]", "", number)
    decimals = re.search(r"[.,](\d{1,2})$", number)
    whole = number[: decimals.start()] if decimals else number
    cents = decimals.group(1) if decimals else "0"
    return Decimal(f"{re.sub(r'[.,]', '', whole)}.{cents}").quantize(Decimal("0.01"))
