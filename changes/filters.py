import django_filters
from django.utils.translation import gettext_lazy as _

from changes.models import Category, Change, Channel, Severity, State, Team
from changes.selectors import json_list_contains, week_bounds
from changes.text_search import changes_matching

# Choices, not BooleanFilter: that one reads "null" or "maybe" as "no filter" instead of refusing them,
# and its widget fixes the labels in whatever language is active at import.
YES_NO = [("true", _("yes")), ("false", _("no"))]

# The list's orders: by the day a change takes effect (latest first, or soonest first), or as filed.
SORTS = {
    "effective": ("-effective_from", "-id"),
    "effective_asc": ("effective_from", "id"),
    "filed": ("-created_at", "-id"),
}
SORT_CHOICES = [
    ("effective", _("Effective date, latest first")),
    ("effective_asc", _("Effective date, soonest first")),
    ("filed", _("Filing date, newest first")),
]


class ChangeListFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", max_length=200, label=_("Search"))
    state = django_filters.ChoiceFilter(
        choices=State.choices, method="filter_state", label=_("State"), empty_label=_("Any state")
    )
    team = django_filters.ModelChoiceFilter(
        queryset=Team.objects.all(),
        field_name="team",
        to_field_name="slug",
        label=_("Team"),
        empty_label=_("All teams"),
    )
    severity = django_filters.ChoiceFilter(
        choices=Severity.choices, label=_("Severity"), empty_label=_("Any severity")
    )
    category = django_filters.ChoiceFilter(choices=Category.choices, label=_("Category"), empty_label=_("Any category"))
    channel = django_filters.ChoiceFilter(
        choices=Channel.choices, method="filter_channel", label=_("Channel"), empty_label=_("Any channel")
    )
    tag = django_filters.CharFilter(method="filter_tag", max_length=50, label=_("Tag"))
    handover = django_filters.ChoiceFilter(
        choices=[("awaited", _("awaited")), ("confirmed", _("confirmed"))],
        method="filter_handover",
        label=_("Handover"),
        empty_label=_("Any"),
    )
    this_week = django_filters.ChoiceFilter(
        choices=YES_NO, method="filter_this_week", label=_("Active this week"), empty_label=_("Any")
    )
    sort = django_filters.ChoiceFilter(
        choices=SORT_CHOICES, method="filter_sort", label=_("Sort by"), empty_label=None
    )

    class Meta:
        model = Change
        fields = ["team", "severity", "category"]

    def filter_q(self, queryset, name, value):
        return changes_matching(queryset, value)

    def filter_state(self, queryset, name, value):
        return queryset.in_state(value)

    def filter_channel(self, queryset, name, value):
        return queryset.filter(json_list_contains(Change, "channels", value))

    def filter_tag(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(json_list_contains(Change, "tags", value)) if value else queryset

    def filter_handover(self, queryset, name, value):
        if value == "confirmed":
            return queryset.filter(acknowledged_at__isnull=False)
        return queryset.awaiting_handover()

    def filter_this_week(self, queryset, name, value):
        monday, sunday = week_bounds()
        active = queryset.active_between(monday, sunday)
        return active if value == "true" else queryset.exclude(pk__in=active.values("pk"))

    def filter_sort(self, queryset, name, value):
        return queryset  # applied last, in qs, so that it holds whatever was chosen

    @property
    def qs(self):
        sort = self.form.cleaned_data.get("sort") if self.is_bound and self.is_valid() else None
        return super().qs.order_by(*SORTS[sort or "effective"])
