"""The glossary the search forms read: the synonyms staff keep in the admin."""

from changes.models import Synonym
from changes.search_forms import SearchForm, search_forms
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
