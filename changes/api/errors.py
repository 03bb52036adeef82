"""Turning the services' Django exceptions into API answers, and describing error answers in the schema."""

import re

from django.core import exceptions as django_exceptions
from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers
from rest_framework.views import exception_handler


def _drf_twin(error: Exception) -> Exception:
    """The DRF exception for a service's Django one, keeping the messages: a ValidationError is a 400 naming
    each field (`non_field_errors` for the rest), a PermissionDenied a 403 with its reason."""
    if isinstance(error, django_exceptions.PermissionDenied):
        return exceptions.PermissionDenied(str(error) or None)
    if isinstance(error, django_exceptions.ValidationError):
        if hasattr(error, "error_dict"):
            return exceptions.ValidationError(
                {
                    ("non_field_errors" if field == NON_FIELD_ERRORS else field): messages
                    for field, messages in error.message_dict.items()
                }
            )
        return exceptions.ValidationError({"non_field_errors": error.messages})
    if isinstance(error, RequestDataTooBig):  # Django would send an HTML 400
        return RequestTooLarge()
    return error


def object_id(raw) -> int:
    """The id in a URL segment; anything that is not a whole number a bigint holds is a JSON 404, never a 500."""
    raw = str(raw)
    if not re.fullmatch(r"[0-9]{1,19}", raw) or int(raw) > 2**63 - 1:
        raise exceptions.NotFound()
    return int(raw)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


def _detail(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorSerializer, description=description)


BAD_REQUEST = OpenApiResponse(
    response=OpenApiTypes.OBJECT,
    description="Invalid input: an object naming each offending field (or `non_field_errors`) with a list of reasons.",
)
UNAUTHORISED = _detail("No or an invalid token (`Authorization: Token <key>`).")
FORBIDDEN = _detail("Signed in, but not allowed to do this (writing needs a lead of the change's team, or staff).")
NOT_FOUND = _detail("No such object, or not visible to you (drafts), or a page past the end.")
THROTTLED = _detail("Too many requests for this token; the `Retry-After` header says how many seconds to wait.")
NOT_MODIFIED = OpenApiResponse(description="Your copy (from `If-None-Match` / `If-Modified-Since`) is current.")

READ_ERRORS = {401: UNAUTHORISED, 403: FORBIDDEN, 404: NOT_FOUND, 429: THROTTLED}
WRITE_ERRORS = {400: BAD_REQUEST, **READ_ERRORS}


def api_exception_handler(exc, context):
    """DRF's handler, for the services' Django exceptions too (the one place they become API answers), and a
    JSON 413 for a body over DATA_UPLOAD_MAX_MEMORY_SIZE."""
    return exception_handler(_drf_twin(exc), context)


class RequestTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = "The request body is too large; send fewer or shorter texts per request."
    default_code = "too_large"
