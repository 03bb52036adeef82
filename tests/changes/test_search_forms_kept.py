"""Each fact change keeps its search forms: listed once, listed again when its wording, the glossary or the
rules change."""

import pytest

from changes import glossary
from changes.models import FactChange, Synonym

pytestmark = pytest.mark.django_db


@pytest.fixture
def fact(make_change, team):
    return make_change(team=team, facts=[("5–7 Werktage", "10–14 Werktage")]).fact_changes.get()


def _listed(monkeypatch) -> list[str]:
    calls = []
    search = glossary.fact_search_forms

    def counting(old, new="", **kwargs):
        calls.append(old)
        return search(old, new, **kwargs)

    monkeypatch.setattr(glossary, "fact_search_forms", counting)
    return calls


def test_forms_are_listed_once_and_then_read_back(fact, monkeypatch):
    listed = _listed(monkeypatch)
    first = glossary.facts_search_forms(FactChange.objects.all())
    second = glossary.facts_search_forms(FactChange.objects.all())
    assert listed == ["5–7 Werktage"]
    assert first == second and "5 bis 7 Werktage" in [form.old for form in second[fact.pk]]


def test_an_edited_wording_is_listed_again(fact, monkeypatch):
    glossary.facts_search_forms(FactChange.objects.all())
    fact.old_text = "3–5 Werktage"
    fact.save()
    listed = _listed(monkeypatch)
    forms = glossary.facts_search_forms(FactChange.objects.all())[fact.pk]
    assert listed == ["3–5 Werktage"] and "3 bis 5 Werktage" in [form.old for form in forms]


def test_a_changed_glossary_lists_the_forms_again(fact, monkeypatch):
    glossary.facts_search_forms(FactChange.objects.all())
    Synonym.objects.create(term="Werktage", synonym="Liefertage", language="de")
    listed = _listed(monkeypatch)
    forms = glossary.facts_search_forms(FactChange.objects.all())[fact.pk]
    assert listed == ["5–7 Werktage"] and "5–7 Liefertage" in [form.old for form in forms]


def test_changed_rules_list_the_forms_again(fact, monkeypatch):
    glossary.facts_search_forms(FactChange.objects.all())
    monkeypatch.setattr(glossary, "RULES_FINGERPRINT", "another-release")
    listed = _listed(monkeypatch)
    glossary.facts_search_forms(FactChange.objects.all())
    assert listed == ["5–7 Werktage"]
