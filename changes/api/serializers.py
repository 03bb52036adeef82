"""What the API reads and writes. Rules about changes live in changes.services and the model."""

import re

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from changes.fact_values import CURRENCIES, UNITS, fact_value
from changes.glossary import fact_search_forms, glossary
from changes.models import Change, Channel, State, Team, state_of, validate_single_line
from changes.rendering import MARKDOWN_MAX_LENGTH, html_as_plain_text

# Markdown fields have no length limit in the database; the API still refuses
# novels so one request cannot fill the table.


SLUG = re.compile(r"[-a-zA-Z0-9_]{1,50}")


class TeamSlugField(serializers.SlugRelatedField):
    """A team by its slug; anything that is not a slug is refused before the database sees it."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="slug", queryset=Team.objects.all(), **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or not SLUG.fullmatch(data):
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data)[:60])
        return super().to_internal_value(data)


def _date(value):
    return None if value is None else value.isoformat()


def _datetime(value, zone):
    # What DRF's DateTimeField gives with USE_TZ: local time in ISO 8601, UTC as "Z".
    if value is None:
        return None
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


# What a list row holds; "team__slug" instead of a Team instance.
ROW_FIELDS = (
    "id", "title", "team__slug", "category", "customer_impact", "customer_impact_html", "support_guidance",
    "support_guidance_html", "effective_from", "effective_until", "channels", "tags", "severity", "status",
    "revision", "published_at", "created_at", "updated_at", "acknowledged_at", "acknowledged_by__username",
    "acknowledgement_note",
)  # fmt: skip


def _row_of(change) -> dict:
    row = {name: getattr(change, name) for name in ROW_FIELDS if "__" not in name}
    row["team__slug"] = change.team.slug
    row["acknowledged_by__username"] = change.acknowledged_by.get_username() if change.acknowledged_by else None
    row["fact_texts"] = [{"old_text": f.old_text, "new_text": f.new_text} for f in change.fact_changes.all()]
    return row


class TeamSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["slug", "name"]


class FactRangeSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="`range`")
    min = serializers.IntegerField()
    max = serializers.IntegerField()
    unit = serializers.ChoiceField(choices=list(UNITS))


class FactAmountSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="`amount`")
    value = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="With two decimals: `4.90`.")
    currency = serializers.ChoiceField(choices=sorted(set(CURRENCIES.values())), help_text="ISO 4217.")


class FactDurationSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="`duration`")
    value = serializers.IntegerField()
    unit = serializers.ChoiceField(choices=list(UNITS))


# For the schema only: the values are changes.fact_values.fact_value's dicts.
FACT_VALUE = PolymorphicProxySerializer(
    component_name="FactValue",
    serializers={"range": FactRangeSerializer, "amount": FactAmountSerializer, "duration": FactDurationSerializer},
    resource_type_field_name="kind",
    many=False,
)
_FACT_VALUE_HELP = (
    "What the {side} wording states, for machines: a range (\"5–7 Werktage\": min 5, max 7, unit business_days), "
    "an amount (\"4,90 €\": value \"4.90\", currency EUR) or a duration (\"14 Tage\": value 14, unit days); "
    "null when it states none, several, or numbers that are not one of these."
)


class FactChangeSerializer(serializers.Serializer):
    old_text = serializers.CharField(max_length=200, trim_whitespace=True, validators=[validate_single_line])
    new_text = serializers.CharField(
        max_length=200, allow_blank=True, trim_whitespace=True, validators=[validate_single_line]
    )
    search_forms = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="The forms support texts are searched in for the old wording, as filed first "
        "(\"5 bis 7 Werktage\", \"fünf bis sieben Werktage\", \"5–7 Arbeitstage\" for \"5–7 Werktage\").",
    )
    old_value = serializers.SerializerMethodField(help_text=_FACT_VALUE_HELP.format(side="old"))
    new_value = serializers.SerializerMethodField(help_text=_FACT_VALUE_HELP.format(side="new"))

    @extend_schema_field(FACT_VALUE)
    def get_old_value(self, fact) -> dict | None:
        return fact_value(fact.old_text)

    @extend_schema_field(FACT_VALUE)
    def get_new_value(self, fact) -> dict | None:
        return fact_value(fact.new_text)


class ChangeSerializer(serializers.ModelSerializer):
    """A change as consumers read it; the editable fields are also accepted on POST and PATCH."""

    url = serializers.SerializerMethodField()
    team = TeamSlugField()
    customer_impact = serializers.CharField(max_length=MARKDOWN_MAX_LENGTH, allow_blank=True, required=False)
    support_guidance = serializers.CharField(max_length=MARKDOWN_MAX_LENGTH, allow_blank=True, required=False)
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices), allow_empty=False, min_length=1
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50, validators=[validate_single_line]),
        required=False,
        max_length=50,
        allow_empty=True,
    )
    fact_changes = FactChangeSerializer(many=True, required=False, max_length=50)
    late = serializers.BooleanField(source="is_late", read_only=True)
    notice_days = serializers.IntegerField(read_only=True)
    state = serializers.ChoiceField(
        choices=State.choices, read_only=True,
        help_text="Where the change stands today: draft, planned (published, not yet in effect), in_effect, ended "
        "or withdrawn.",
    )
    acknowledged_at = serializers.DateTimeField(
        read_only=True, allow_null=True,
        help_text="When a support lead confirmed the handover; null until then, and again after an edit of what "
        "customers feel.",
    )
    acknowledged_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="Who confirmed the handover (user name)."
    )
    acknowledgement_note = serializers.CharField(read_only=True, help_text="The note given with the confirmation.")
    customer_impact_text = serializers.SerializerMethodField(
        help_text="customer_impact as plain text (changes.rendering.markdown_as_plain_text): no Markdown or HTML, "
        "entities decoded, a link as \"text (url)\", list items starting with \"- \" or \"1. \"."
    )
    support_guidance_text = serializers.SerializerMethodField(
        help_text="support_guidance as plain text, as customer_impact_text."
    )

    # A channel or tag named twice is one channel or tag, as the web form's checkboxes and tag field make it.
    def validate_channels(self, value):
        return list(dict.fromkeys(value))

    def validate_tags(self, value):
        return list(dict.fromkeys(tag.strip() for tag in value))

    class Meta:
        model = Change
        fields = [
            "id",
            "url",
            "title",
            "team",
            "category",
            "customer_impact",
            "customer_impact_html",
            "customer_impact_text",
            "support_guidance",
            "support_guidance_html",
            "support_guidance_text",
            "effective_from",
            "effective_until",
            "channels",
            "tags",
            "severity",
            "status",
            "state",
            "fact_changes",
            "notice_days",
            "late",
            "revision",
            "published_at",
            "acknowledged_at",
            "acknowledged_by",
            "acknowledgement_note",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "customer_impact_html",
            "support_guidance_html",
            "status",
            "revision",
            "published_at",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, change) -> str:
        return f"{self._list_url()}{change.pk}/"

    def get_customer_impact_text(self, change) -> str:
        return html_as_plain_text(change.customer_impact_html)

    def get_support_guidance_text(self, change) -> str:
        return html_as_plain_text(change.support_guidance_html)

    def _list_url(self) -> str:
        # Built once per serializer: with many=True the same child serialises every row.
        cached = getattr(self, "_list_url_cache", None)
        if cached is None:
            path = reverse("api:change-list")
            request = self.context.get("request")
            # Webhook payloads are built outside a request; they link to SITE_URL.
            cached = request.build_absolute_uri(path) if request is not None else settings.SITE_URL + path
            self._list_url_cache = cached
        return cached

    def to_representation(self, change):
        """The same dict DRF's field-by-field machinery builds, several times faster.

        Takes a Change, or a row of Change.objects.values(*ROW_FIELDS) with
        "fact_texts" added (the list view reads rows: no model instances for a
        page of up to 200). tests/api/test_changes_api.py checks that all three
        ways give the same.
        """
        row = change if isinstance(change, dict) else _row_of(change)
        # Looked up once per page, not three times per row.
        if not hasattr(self, "_zone"):
            self._zone, self._today = timezone.get_current_timezone(), timezone.localdate()
        zone, today = self._zone, self._today
        # Change.notice_days, without asking for the time zone again.
        published_at = row["published_at"]
        announced = published_at.astimezone(zone).date() if published_at else today
        notice_days = (row["effective_from"] - announced).days
        return {
            "id": row["id"],
            "url": f"{self._list_url()}{row['id']}/",
            "title": row["title"],
            "team": row["team__slug"],
            "category": row["category"],
            "customer_impact": row["customer_impact"],
            "customer_impact_html": row["customer_impact_html"],
            "customer_impact_text": html_as_plain_text(row["customer_impact_html"]),
            "support_guidance": row["support_guidance"],
            "support_guidance_html": row["support_guidance_html"],
            "support_guidance_text": html_as_plain_text(row["support_guidance_html"]),
            "effective_from": _date(row["effective_from"]),
            "effective_until": _date(row["effective_until"]),
            "channels": list(row["channels"]),
            "tags": list(row["tags"]),
            "severity": row["severity"],
            "status": row["status"],
            "state": state_of(
                status=row["status"], effective_from=row["effective_from"], effective_until=row["effective_until"],
                day=today,
            ),
            "fact_changes": [
                {
                    **fact, "search_forms": self._search_forms(fact), "old_value": fact_value(fact["old_text"]),
                    "new_value": fact_value(fact["new_text"]),
                }
                for fact in row["fact_texts"]
            ],
            "notice_days": notice_days,
            "late": notice_days < settings.BULLETIN_MIN_NOTICE_DAYS,
            "revision": row["revision"],
            "published_at": _datetime(published_at, zone),
            "acknowledged_at": _datetime(row["acknowledged_at"], zone),
            "acknowledged_by": row["acknowledged_by__username"],
            "acknowledgement_note": row["acknowledgement_note"],
            "created_at": _datetime(row["created_at"], zone),
            "updated_at": _datetime(row["updated_at"], zone),
        }

    def _search_forms(self, fact: dict) -> list[str]:
        # One glossary query per answer, however many changes it lists (a list serializer shares its child).
        if not hasattr(self, "_glossary"):
            self._glossary = glossary()
        return [form.old for form in fact_search_forms(fact["old_text"], fact["new_text"], synonyms=self._glossary)]

    def validate(self, attrs):
        start = attrs.get("effective_from", getattr(self.instance, "effective_from", None))
        end = attrs.get("effective_until", getattr(self.instance, "effective_until", None))
        if start and end and end < start:
            raise serializers.ValidationError(
                {"effective_until": [_("The end date must be on or after the start date.")]}
            )
        return attrs

    def service_arguments(self) -> tuple[dict, list[tuple[str, str]] | None]:
        """validated_data split into the service's `data` and `facts` (None when not sent)."""
        data = dict(self.validated_data)
        facts = data.pop("fact_changes", None)
        if facts is not None:
            facts = [(fact["old_text"], fact["new_text"]) for fact in facts]
        return data, facts



class AcknowledgeSerializer(serializers.Serializer):
    note = serializers.CharField(
        max_length=500, allow_blank=True, required=False, default="", trim_whitespace=True,
        validators=[validate_single_line], help_text="e.g. macros updated, team briefed",
    )
