import django_filters
from django.utils.translation import gettext_lazy as _

from changes.models import Category, Change, Team
from changes.selectors import week_bounds


class ChangeListFilter(django_filters.FilterSet):
    team = django_filters.ModelChoiceFilter(
        queryset=Team.objects.all(), field_name="team", to_field_name="slug", label=_("Team"), empty_label=_("All teams")
    )
    status = django_filters.ChoiceFilter(choices=Change.Status.choices, label=_("Status"), empty_label=_("Any status"))
    category = django_filters.ChoiceFilter(choices=Category.choices, label=_("Category"), empty_label=_("Any category"))
    this_week = django_filters.BooleanFilter(
        method="filter_this_week",
        label=_("Active this week"),
        widget=django_filters.widgets.BooleanWidget(),
    )

    class Meta:
        model = Change
        fields = ["team", "status", "category"]

    def filter_this_week(self, queryset, name, value):
        if not value:
            return queryset
        monday, sunday = week_bounds()
        return queryset.active_between(monday, sunday)
