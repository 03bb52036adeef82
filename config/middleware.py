"""Request checks that hold for every URL."""

import codecs
import logging

from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

NUL_MESSAGE = "Null characters are not allowed."
FORM_ENCODING_MESSAGE = "Form data must be sent as UTF-8."
_FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


def _bad_request(request, message: str, fields=()):
    if request.path.startswith("/api/"):
        body = {name.replace("\x00", "") or "detail": [message] for name in fields} or {"detail": message}
        return JsonResponse(body, status=400)
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


def refuse_nul_bytes(get_response):
    """A NUL byte in the path or the query string is a 400 (JSON naming the parameter under /api/).

    PostgreSQL cannot store or compare text holding NUL, so such a value reaching a
    query (a feed token, a team filter, a digest week) raised a 500.
    """

    def middleware(request):
        names = [name for name, values in request.GET.lists() if "\x00" in name + "".join(values)]
        if not names and "\x00" not in request.path:
            return get_response(request)
        return _bad_request(request, NUL_MESSAGE, names)

    return middleware


def _is_utf8(charset: str) -> bool:
    try:
        return codecs.lookup(charset).name in {"utf-8", "ascii"}
    except LookupError:
        return False


def refuse_forms_not_in_utf8(get_response):
    """A form body in another encoding (or not decodable as UTF-8) is a 400.

    Django decodes form data as UTF-8 whatever the request declares, and a
    `charset=utf-16` body raised UnicodeDecodeError, a 500, on every POST address.
    """

    def middleware(request):
        if request.content_type in _FORM_TYPES:
            if not _is_utf8(request.content_params.get("charset", "utf-8")):
                return _bad_request(request, FORM_ENCODING_MESSAGE)
            if request.content_type == "application/x-www-form-urlencoded":
                try:
                    request.body.decode("utf-8")
                except UnicodeDecodeError:
                    return _bad_request(request, FORM_ENCODING_MESSAGE)
        return get_response(request)

    return middleware


class DatabaseUnavailable:
    """While the database cannot be reached, pages and the API answer 503 with a short message, not a 500.

    Only connection failures: an OperationalError raised inside a working connection
    (a lock timeout, say) is a bug to see as one.
    """

    RETRY_AFTER_SECONDS = 30

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError) or not _connection_failed(exception):
            return None
        logger.error("Database unreachable for %s %s: %s", request.method, request.path, exception)
        message = _("Bulletin cannot reach its database right now. Please try again in a minute.")
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": message}, status=503)
        else:
            response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(self.RETRY_AFTER_SECONDS)
        return response


def _connection_failed(error: Exception) -> bool:
    """Whether the error means no working connection (none could be opened, or the one held broke)."""
    if isinstance(error, InterfaceError) or connection.connection is None:
        return True
    try:
        return not connection.is_usable()
    except Exception:  # asking a broken connection can fail in its own way
        return True
