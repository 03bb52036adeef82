"""What the OpenAPI schema says beyond what drf-spectacular reads from the code, so that schema and validation agree
and a generated client (openapi-python-client, tests/api/test_generated_client.py) gets types it can work with.

`EnglishSchemaGenerator` is the generator (DEFAULT_GENERATOR_CLASS) and `promise_what_is_checked` a post-processing
hook (POSTPROCESSING_HOOKS), both in SPECTACULAR_SETTINGS in config/settings.py.
"""

from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from changes.models import PLAUSIBLE_DATES

# The change fields that only take dates in PLAUSIBLE_DATES (2000-2099): a date of another century is a 400.
_DATE_FIELDS = ("effective_from", "effective_until")
_DATE_PATTERN = "^20[0-9]{2}-[0-9]{2}-[0-9]{2}$"
assert (PLAUSIBLE_DATES[0].year, PLAUSIBLE_DATES[1].year) == (2000, 2099), "update _DATE_PATTERN"

# Answers whose serializer writes every field, whatever the request: their fields are all required (present),
# though some are optional on input. (ChangeSerializer.to_representation builds the dict key by key.)
_COMPLETE_ANSWERS = ("Change", "FactChange")
# Nullable properties that drf-spectacular cannot mark: a method field read as a polymorphic value.
_NULLABLE = {"FactChange": ("old_value", "new_value")}

IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER,
    description="The `ETag` of your copy: when it is still current the answer is a 304 without a body.",
)  # fmt: skip
IF_MODIFIED_SINCE = OpenApiParameter(
    "If-Modified-Since", OpenApiTypes.STR, OpenApiParameter.HEADER,
    description="The `Last-Modified` of your copy (an HTTP date): when nothing changed since, a 304.",
)  # fmt: skip
_VALIDATOR_HEADERS = {
    "If-None-Match": {
        "ETag": {"schema": {"type": "string"}, "description": "Send it back as `If-None-Match` to get a 304."}
    },
    "If-Modified-Since": {
        "Last-Modified": {"schema": {"type": "string"}, "description": "Send it back as `If-Modified-Since`."}
    },
}
_CACHE_CONTROL = {
    "schema": {"type": "string"},
    "description": "`private, max-age=N`: reuse the answer for N seconds (never past midnight in the service's "
    "time zone).",
}


class EnglishSchemaGenerator(SchemaGenerator):
    """The schema in English, whatever the request's Accept-Language.

    Labels and help texts are translated, and drf-spectacular names the enums of query parameters after them: a
    schema fetched in German made a generated client's classes German (V1ChangesListKategorie).
    """

    def get_schema(self, request=None, public=False):
        with translation.override("en"):
            return super().get_schema(request=request, public=public)


def promise_what_is_checked(result, generator, request, public):
    components = result.get("components", {}).get("schemas", {})
    enums = {frozenset(schema["enum"]): name for name, schema in components.items() if "enum" in schema}
    for path in result.get("paths", {}).values():
        for operation in path.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                _type_parameter(parameter, enums)
            _json_bodies_only(operation)
            _declare_validator_headers(operation)
    for name, component in components.items():
        properties = component.get("properties", {})
        if name in _COMPLETE_ANSWERS:
            component["required"] = list(properties)
        for field in _NULLABLE.get(name, ()):
            properties[field]["nullable"] = True
        if not name.startswith(("Change", "PatchedChange")):
            continue
        for field in _DATE_FIELDS:
            if field in properties:
                properties[field]["pattern"] = _DATE_PATTERN
    return result


def _type_parameter(parameter: dict, enums: dict[frozenset, str]) -> None:
    schema = parameter["schema"]
    if parameter["name"] == "ordering":  # an empty ordering is a 400 (NotEmptyMixin)
        schema["minItems"] = 1
    if parameter["in"] == "path" and parameter["name"] == "id":
        # Every id segment is matched as text so that "abc" gets the API's JSON 404 (errors.object_id), but only
        # whole numbers name anything.
        schema.clear()
        schema["type"] = "integer"
    values = frozenset(schema.get("enum", ()))
    if values == {"true", "false"}:
        # The filters take exactly "true" or "false", which is how clients write a boolean in a query; declared
        # as a two-value string enum, generated clients want an enum member instead of True.
        schema.clear()
        schema["type"] = "boolean"
    elif values in enums:
        # One enum per concept: the filter's choices are the field's, so a client uses one class for both.
        description = schema.get("description")
        schema.clear()
        schema["$ref"] = f"#/components/schemas/{enums[values]}"
        if description:
            parameter.setdefault("description", description)


def _json_bodies_only(operation: dict) -> None:
    """Request bodies are documented as JSON, the API's format; the form encodings DRF also parses are left out.

    openapi-python-client 0.29.1 turns one body offered in three encodings into code that does not type-check
    (`body: X | Unset` without importing Unset).
    """
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        for media_type in [media_type for media_type in content if media_type != "application/json"]:
            del content[media_type]


def _declare_validator_headers(operation: dict) -> None:
    """An operation that reads If-None-Match (If-Modified-Since) answers with ETag (Last-Modified)."""
    names = {parameter["name"] for parameter in operation.get("parameters", []) if parameter["in"] == "header"}
    headers = {header: spec for name in sorted(names & _VALIDATOR_HEADERS.keys()) for header, spec in
               _VALIDATOR_HEADERS[name].items()}  # fmt: skip
    if not headers:
        return
    for status in ("200", "304"):
        if status in operation.get("responses", {}):
            operation["responses"][status]["headers"] = {**headers, "Cache-Control": _CACHE_CONTROL}
