"""Request checks that hold for every URL."""

from django.http import HttpResponseBadRequest, JsonResponse

NUL_MESSAGE = "Null characters are not allowed."


def refuse_nul_bytes(get_response):
    """A NUL byte in the path or the query string is a 400 (JSON naming the parameter under /api/).

    PostgreSQL cannot store or compare text holding NUL, so such a value reaching a
    query (a feed token, a team filter, a digest week) raised a 500.
    """

    def middleware(request):
        names = [name for name, values in request.GET.lists() if "\x00" in name + "".join(values)]
        if not names and "\x00" not in request.path:
            return get_response(request)
        if request.path.startswith("/api/"):
            body = {name.replace("\x00", "") or "detail": [NUL_MESSAGE] for name in names} or {"detail": NUL_MESSAGE}
            return JsonResponse(body, status=400)
        return HttpResponseBadRequest(NUL_MESSAGE, content_type="text/plain; charset=utf-8")

    return middleware
