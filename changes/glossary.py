"""The glossary the search forms read: the synonyms staff keep in the admin."""

import hashlib
import json

from changes.models import FactChange, Synonym
from changes.search_forms import RULES_FINGERPRINT, SearchForm, search_forms
from changes.search_forms import Synonym as SynonymPair


def glossary() -> list[SynonymPair]:
    return Synonym.pairs()


def facts_with_search_forms(facts) -> list[tuple[object, list[str]]]:
    """(fact change, the other forms it is searched in) for a change's page: one glossary query for all facts."""
    synonyms = glossary()
    return [
        (fact, [form.old for form in fact_search_forms(fact.old_text, fact.new_text, synonyms=synonyms)][1:])
        for fact in facts
    ]


def fact_search_forms(old: str, new: str = "", *, synonyms: list[SynonymPair] | None = None) -> list[SearchForm]:
    """The forms a scan looks for one fact change in; pass `synonyms` when listing many (one query)."""
    return search_forms(old, new, synonyms=glossary() if synonyms is None else synonyms)


def _forms_key(synonyms: list[SynonymPair]) -> str:
    body = json.dumps([RULES_FINGERPRINT, sorted((pair.term, pair.synonym) for pair in synonyms)])
    return hashlib.sha256(body.encode()).hexdigest()[:16]


def facts_search_forms(facts) -> dict[int, list[SearchForm]]:
    """The forms of every fact change in `facts` (a FactChange queryset), by id, the wording as filed first.

    Listing the forms of 2,000 fact changes took half a second in a fresh process, at the start of every full
    re-scan: each fact change keeps its forms under a key of the glossary and of the rules, with the wording they
    were listed for, and only those whose key or wording differs are listed again (and kept).
    """
    synonyms = glossary()
    key = _forms_key(synonyms)
    forms: dict[int, list[SearchForm]] = {}
    stale = []
    for fact_id, old, new, kept in facts.values_list("id", "old_text", "new_text", "search_forms_cache"):
        if kept and (kept.get("key"), kept.get("old"), kept.get("new")) == (key, old, new):
            forms[fact_id] = [SearchForm(*form) for form in kept["forms"]]
            continue
        forms[fact_id] = fact_search_forms(old, new, synonyms=synonyms)
        kept = {"key": key, "old": old, "new": new, "forms": [[form.old, form.new] for form in forms[fact_id]]}
        stale.append(FactChange(pk=fact_id, search_forms_cache=kept))
    # A fact change deleted meanwhile is simply not updated; one edited meanwhile keeps forms of its old wording,
    # which the comparison above finds stale next time.
    FactChange.objects.bulk_update(stale, ["search_forms_cache"], batch_size=500)
    return forms
