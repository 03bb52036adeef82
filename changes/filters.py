import django_filters
from django.utils.translation import gettext_lazy as _

from changes.models import Category, Change, Team
from changes.selectors import week_bounds

# Choices, not BooleanFilter: that one reads "null" or "maybe" as "no filter" instead of refusing them,
# and its widget fixes the labels in whatever language is active at import.
YES_NO = [("true", _("yes")), ("false", _("no"))]


class ChangeListFilter(django_filters.FilterSet):
    team = django_filters.ModelChoiceFilter(
        queryset=Team.objects.all(),
        field_name="team",
        to_field_name="slug",
        label=_("Team"),
        empty_label=_("All teams"),
    )
    status = django_filters.ChoiceFilter(choices=Change.Status.choices, label=_("Status"), empty_label=_("Any status"))
    category = django_filters.ChoiceFilter(choices=Category.choices, label=_("Category"), empty_label=_("Any category"))
    this_week = django_filters.ChoiceFilter(
        choices=YES_NO, method="filter_this_week", label=_("Active this week"), empty_label=_("Any")
    )

    class Meta:
        model = Change
        fields = ["team", "status", "category"]

    def filter_this_week(self, queryset, name, value):
        monday, sunday = week_bounds()
        active = queryset.active_between(monday, sunday)
        return active if value == "true" else queryset.exclude(pk__in=active.values("pk"))
