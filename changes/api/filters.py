"""Query parameters of GET /api/v1/changes/; a malformed value is a 400 naming the parameter."""

import datetime

import django_filters
from django import forms
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from changes.api.serializers import SLUG
from changes.models import Category, Change, Channel, Severity, State, Team
from changes.selectors import json_list_contains
from changes.text_search import changes_matching


class _UtcDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 moment, handed to the database in UTC.

    PostgreSQL refuses some offsets Python accepts (e.g. -17:41) with a DataError;
    converting first also catches moments that overflow near year 1 or 9999.
    """

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(datetime.UTC)
        except (OverflowError, ValueError):
            raise forms.ValidationError(_("Enter a valid date and time."), code="invalid") from None


class _UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = _UtcDateTimeField


class _TeamSlugField(forms.ModelChoiceField):
    def to_python(self, value):
        # Not a slug (a NUL byte would even make PostgreSQL raise): no such team, without asking.
        if value not in self.empty_values and not SLUG.fullmatch(str(value)):
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class _TeamFilter(django_filters.ModelChoiceFilter):
    field_class = _TeamSlugField


class _OrderingFilter(django_filters.OrderingFilter):
    """django-filter formats its "(descending)" labels once, at import, in the language active then: the schema
    in English said "Gültig ab (absteigend)". Here they are formatted when read."""

    def build_choices(self, fields, labels):
        choices = super().build_choices(fields, labels)
        ascending = dict(choices[::2])
        return [
            (value, lazy(self._descending, str)(ascending[value[1:]]) if value.startswith("-") else label)
            for value, label in choices
        ]

    def _descending(self, label) -> str:
        return str(self.descending_fmt) % label


class NotEmptyMixin:
    """For API filter sets: parameters in NOT_EMPTY (a format or a set of choices) sent empty are a 400.

    A web form sends empty fields to mean "all"; an API client that sends `?status=` made a mistake.
    """

    NOT_EMPTY: tuple[str, ...] = ()

    def is_valid(self):
        valid = super().is_valid()
        for name in self.NOT_EMPTY:
            if name not in self.data:
                continue
            values = self.data.getlist(name)
            # ordering is comma-separated; "a,,b" or "," hides an empty field name.
            parts = [part for value in values for part in value.split(",")] if name == "ordering" else values
            if not parts or any(not part.strip() for part in parts):
                self.form.add_error(name, _("This value may not be empty."))
                valid = False
        return valid


class ChangeApiFilter(NotEmptyMixin, django_filters.FilterSet):
    active_on = django_filters.DateFilter(
        method="filter_active_on",
        label=_("Published and in effect on this day (YYYY-MM-DD); an open end counts as still in effect."),
    )
    # A choice, not a BooleanFilter: that one silently ignores "yes" or "1".
    active = django_filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        method="filter_active",
        label=_("true: published and in effect today in the service's time zone; false: everything else."),
    )
    team = _TeamFilter(
        queryset=Team.objects.all(), to_field_name="slug", field_name="team", label=_("Team slug.")
    )
    category = django_filters.ChoiceFilter(choices=Category.choices, label=_("Category."))
    channel = django_filters.ChoiceFilter(
        choices=Channel.choices, method="filter_channel", label=_("Changes that reach customers on this channel.")
    )
    tag = django_filters.CharFilter(method="filter_tag", max_length=50, label=_("Changes carrying this tag."))
    status = django_filters.ChoiceFilter(choices=Change.Status.choices, label=_("Status."))
    state = django_filters.ChoiceFilter(
        choices=State.choices,
        method="filter_state",
        label=_("Where the change stands today: draft, planned, in_effect, ended or withdrawn."),
    )
    severity = django_filters.ChoiceFilter(choices=Severity.choices, label=_("Severity."))
    updated_since = _UtcDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", label=_("Changed at or after this ISO 8601 date and time.")
    )
    q = django_filters.CharFilter(
        method="filter_text", max_length=200, label=_(
            "Words in the title, customer impact, support guidance or fact wordings (full-text search in German "
            "and English on PostgreSQL; each word may also stand inside a longer one)."
        )
    )
    ordering = _OrderingFilter(
        fields=["effective_from", "effective_until", "updated_at", "created_at", "published_at", "title"],
        label=_("Sort order; prefix a field with - for descending."),
    )

    class Meta:
        model = Change
        fields = []

    def filter_active_on(self, queryset, name, value):
        return queryset.active_on(value)

    def filter_active(self, queryset, name, value):
        today = timezone.localdate()
        if value == "true":
            return queryset.active_on(today)
        return queryset.exclude(pk__in=Change.objects.active_on(today).values("pk"))

    def filter_channel(self, queryset, name, value):
        return queryset.filter(json_list_contains(Change, "channels", value))

    def filter_tag(self, queryset, name, value):
        return queryset.filter(json_list_contains(Change, "tags", value))

    def filter_text(self, queryset, name, value):
        return changes_matching(queryset, value)

    def filter_state(self, queryset, name, value):
        return queryset.in_state(value)

    NOT_EMPTY = (
        "active_on", "active", "category", "channel", "status", "state", "severity", "updated_since", "ordering",
    )  # fmt: skip

    @property
    def qs(self):
        queryset = super().qs
        # A stable order whatever was asked for, so pages never overlap.
        order = list(queryset.query.order_by) or list(Change._meta.ordering)
        if not any(field.lstrip("-") in {"id", "pk"} for field in order):
            order.append("-id")
        return queryset.order_by(*order)
