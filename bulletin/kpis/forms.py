from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bulletin.kpis.figures import MAX_WEEKS
from changes.models import Team


class KpiRangeForm(forms.Form):
    """Which weeks and team the KPIs cover; shared by the page, the CSV downloads and the API."""

    weeks = forms.IntegerField(label=_("Weeks"), min_value=1, max_value=MAX_WEEKS, initial=12, required=False)
    until = forms.DateField(
        label=_("Up to the week of"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        input_formats=["%Y-%m-%d"],
    )
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.order_by("name"), to_field_name="slug", required=False,
        empty_label=_("All teams"),
    )

    def range(self) -> dict:
        """kpi_report's arguments from the cleaned data, with the defaults filled in."""
        data = self.cleaned_data if self.is_bound else {}  # an unbound form: the page opened without a query
        return {
            "last_day": data.get("until") or timezone.localdate(),
            "weeks": data.get("weeks") or 12,
            "team": data.get("team"),
        }
