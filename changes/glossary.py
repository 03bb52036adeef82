"""The glossary the search forms read: the synonyms staff keep in the admin."""

from changes.models import Synonym
from changes.search_forms import SearchForm, search_forms
from changes.search_forms import Synonym as SynonymPair


def glossary() -> list[SynonymPair]:
    return [SynonymPair(term, synonym) for term, synonym in Synonym.objects.values_list("term", "synonym")]


def fact_search_forms(old: str, new: str = "", *, synonyms: list[SynonymPair] | None = None) -> list[SearchForm]:
    """The forms a scan looks for one fact change in; pass `synonyms` when listing many (one query)."""
    return search_forms(old, new, synonyms=glossary() if synonyms is None else synonyms)
