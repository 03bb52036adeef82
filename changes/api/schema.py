"""What the OpenAPI schema says beyond what drf-spectacular reads from the code, so that schema and validation agree.

Run as a drf-spectacular post-processing hook (SPECTACULAR_SETTINGS in config/settings.py).
"""

from changes.models import PLAUSIBLE_DATES

# The change fields that only take dates in PLAUSIBLE_DATES (2000-2099): a date of another century is a 400.
_DATE_FIELDS = ("effective_from", "effective_until")
_DATE_PATTERN = "^20[0-9]{2}-[0-9]{2}-[0-9]{2}$"
assert (PLAUSIBLE_DATES[0].year, PLAUSIBLE_DATES[1].year) == (2000, 2099), "update _DATE_PATTERN"


def promise_what_is_checked(result, generator, request, public):
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                if parameter["name"] == "ordering":  # an empty ordering is a 400 (NotEmptyMixin)
                    parameter["schema"]["minItems"] = 1
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if not name.startswith(("Change", "PatchedChange")):
            continue
        for field in _DATE_FIELDS:
            if field in component.get("properties", {}):
                component["properties"][field]["pattern"] = _DATE_PATTERN
    return result
