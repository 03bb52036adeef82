import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bulletin.texts.models import Flag, SupportText
from bulletin.texts.normalising import normalise
from changes.filters import YES_NO
from changes.models import Change, Team
from changes.selectors import json_list_contains
from changes.widgets import LongSelect

ISO_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class FlagFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        due_after, due_before = cleaned.get("due_after"), cleaned.get("due_before")
        if due_after and due_before and due_before < due_after:
            self.add_error("due_before", _("The end date must be on or after the start date."))
        return cleaned


class FlagFilter(django_filters.FilterSet):
    """Shared by the /flags/ queue and GET /api/v1/flags/."""

    status = django_filters.ChoiceFilter(choices=Flag.Status.choices, label=_("Status"), empty_label=_("Any status"))
    kind = django_filters.ChoiceFilter(
        field_name="support_text__kind", choices=SupportText.Kind.choices, label=_("Kind"), empty_label=_("Any kind")
    )
    team = django_filters.ModelChoiceFilter(
        queryset=Team.objects.all(),
        field_name="support_text__owner_team",
        to_field_name="slug",
        label=_("Owner team"),
        empty_label=_("All teams"),
    )
    change = django_filters.ModelChoiceFilter(
        # EXISTS, not a DISTINCT join: with 55,000 flags the join took 170 ms of every queue page.
        queryset=Change.objects.filter(Exists(Flag.objects.filter(change=OuterRef("pk"))))
        .only("pk", "title")
        .order_by("title"),
        widget=LongSelect,
        label=_("Change"),
        empty_label=_("All changes"),
    )
    # A date picker sends ISO dates whatever the language, so a queue link works for every agent.
    due_after = django_filters.DateFilter(
        field_name="change__effective_from", lookup_expr="gte", label=_("Due from"), widget=ISO_DATE
    )
    due_before = django_filters.DateFilter(
        field_name="change__effective_from", lookup_expr="lte", label=_("Due until"), widget=ISO_DATE
    )
    overdue = django_filters.ChoiceFilter(
        choices=YES_NO, method="filter_overdue", label=_("Overdue"), empty_label=_("Any")
    )

    class Meta:
        model = Flag
        form = FlagFilterForm
        fields = ["status", "kind", "team", "change", "due_after", "due_before", "overdue"]

    def filter_overdue(self, queryset, name, value):
        overdue = Q(status=Flag.Status.OPEN, change__effective_from__lte=timezone.localdate())
        return queryset.filter(overdue) if value == "true" else queryset.exclude(overdue)


class SupportTextFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=SupportText.Kind.choices)
    source = django_filters.CharFilter()
    language = django_filters.CharFilter()
    tag = django_filters.CharFilter(method="filter_tag", label=_("Tag"))
    flagged = django_filters.ChoiceFilter(choices=YES_NO, method="filter_flagged", label=_("Has open flags"))

    class Meta:
        model = SupportText
        fields = ["kind", "source", "language", "tag", "flagged"]

    def filter_tag(self, queryset, name, value):
        return queryset.filter(json_list_contains(SupportText, "tags", value)) if value else queryset

    def filter_flagged(self, queryset, name, value):
        open_flags = Flag.objects.filter(support_text=OuterRef("pk"), status=Flag.Status.OPEN)
        return queryset.filter(Exists(open_flags)) if value == "true" else queryset.exclude(Exists(open_flags))



def _distinct_choices(field: str) -> list[tuple[str, str]]:
    values = SupportText.objects.exclude(**{field: ""}).order_by(field).values_list(field, flat=True).distinct()
    return [(value, value) for value in values]


class SupportTextListFilter(django_filters.FilterSet):
    """The /texts/ page: search and filters an agent looks a text up with."""

    q = django_filters.CharFilter(method="filter_search", label=_("Search"))
    source = django_filters.ChoiceFilter(
        choices=lambda: _distinct_choices("source"), label=_("Source"), empty_label=_("All sources")
    )
    kind = django_filters.ChoiceFilter(choices=SupportText.Kind.choices, label=_("Kind"), empty_label=_("Any kind"))
    language = django_filters.ChoiceFilter(
        choices=lambda: _distinct_choices("language"), label=_("Language"), empty_label=_("All languages")
    )
    flagged = django_filters.ChoiceFilter(
        choices=YES_NO, method="filter_flagged", label=_("Has open flags"), empty_label=_("Any")
    )
    active = django_filters.ChoiceFilter(
        choices=YES_NO, method="filter_active", label=_("Active"), empty_label=_("Any")
    )

    class Meta:
        model = SupportText
        fields = ["q", "source", "kind", "language", "flagged", "active"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        # The body as scans read it (visible text, case and dashes folded): "5-7 werktage" finds "5–7 Werktage".
        return queryset.filter(
            Q(title__icontains=value) | Q(external_id__icontains=value) | Q(body_normalised__contains=normalise(value))
        )

    def filter_flagged(self, queryset, name, value):
        open_flags = Flag.objects.filter(support_text=OuterRef("pk"), status=Flag.Status.OPEN)
        return queryset.filter(Exists(open_flags)) if value == "true" else queryset.exclude(Exists(open_flags))

    def filter_active(self, queryset, name, value):
        return queryset.filter(active=value == "true")
