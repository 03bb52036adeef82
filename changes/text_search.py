"""Finding changes by what they say: title, customer impact, support guidance and the wordings of their facts.

On PostgreSQL a query is matched with full-text search in German and in English, so "Werktagen" finds
"Werktage" and "deliveries" finds "delivery"; every word may also stand inside a longer one
("Liefer" finds "Lieferzeit"), which full-text search alone misses in German compounds. SQLite, the
embedded default, has the second half only.
"""

from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, TextField, Value
from django.db.models.functions import Coalesce, Concat

from changes.models import FactChange

TEXT_FIELDS = ("title", "customer_impact", "support_guidance")
LANGUAGES = ("german", "english")


def _every_word_inside(query: str) -> Q:
    condition = Q()
    for word in query.split():
        in_facts = FactChange.objects.filter(change=OuterRef("pk")).filter(
            Q(old_text__icontains=word) | Q(new_text__icontains=word)
        )
        in_change = Q()
        for name in TEXT_FIELDS:
            in_change |= Q(**{f"{name}__icontains": word})
        condition &= in_change | Q(Exists(in_facts))
    return condition


def _full_text(queryset: QuerySet, query: str) -> tuple[QuerySet, Q]:
    facts = (
        FactChange.objects.filter(change=OuterRef("pk"))
        .values("change")
        .annotate(words=StringAgg(Concat("old_text", Value(" "), "new_text", output_field=TextField()), delimiter=" "))
        .values("words")
    )
    fields = (*TEXT_FIELDS, Coalesce(Subquery(facts), Value(""), output_field=TextField()))
    condition = Q()
    for language in LANGUAGES:
        name = f"_search_{language}"
        queryset = queryset.alias(**{name: SearchVector(*fields, config=language)})
        condition |= Q(**{name: SearchQuery(query, config=language, search_type="websearch")})
    return queryset, condition


def changes_matching(queryset: QuerySet, query: str) -> QuerySet:
    """The changes in `queryset` that say every word of `query`."""
    if not query.split():
        return queryset
    condition = _every_word_inside(query)
    if connection.vendor == "postgresql":
        queryset, full_text = _full_text(queryset, query)
        condition |= full_text
    return queryset.filter(condition)
