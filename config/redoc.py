"""Redoc at /api/redoc/ with nothing loaded from another host.

The sidecar's bundle is Redoc as published, and Redoc's side menu always shows Redocly's logo from their CDN
(no option turns it off; drf-spectacular-sidecar issue #11). Under our Content-Security-Policy that is a refused
request and a console error on every visit, and elsewhere it tells Redocly who reads our docs. So the page loads
the bundle from here, with that one address emptied: an <img> without a source fails without a request, and
Redoc's own error handler then leaves the logo out. The Google Fonts links of drf-spectacular's page are left
out by config/templates/drf_spectacular/redoc.html.
"""

import functools
import hashlib
from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import etag, require_safe
from drf_spectacular.views import SpectacularRedocView

BUNDLE = "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"
REDOCLY_LOGO = b'src:"https://cdn.redoc.ly/redoc/logo-mini.svg"'
SOURCE_MAP = b"//# sourceMappingURL=redoc.standalone.js.map"


@functools.cache
def redoc_bundle() -> tuple[bytes, str]:
    """The sidecar's Redoc bundle without the logo from Redocly's CDN, and its ETag; read once per process.

    A bundle without that address (a Redoc that no longer loads it) is served unchanged; the tests of
    /api/redoc/ notice any other address it might load instead.
    """
    source = Path(finders.find(BUNDLE)).read_bytes()
    # The bundle's own relative map link would point next to this URL, where there is no map.
    source_map = b"//# sourceMappingURL=" + static(f"{BUNDLE}.map").encode()
    bundle = source.replace(REDOCLY_LOGO, b'src:""').replace(SOURCE_MAP, source_map)
    return bundle, hashlib.sha256(bundle).hexdigest()


@require_safe
@etag(lambda request: redoc_bundle()[1])
@cache_control(public=True, max_age=24 * 60 * 60)
def redoc_bundle_view(request):
    return HttpResponse(redoc_bundle()[0], content_type="text/javascript; charset=utf-8")


class RedocView(SpectacularRedocView):
    """drf-spectacular's Redoc page, with the bundle above instead of the sidecar's static file."""

    @staticmethod
    def _redoc_standalone():
        return reverse("api-redoc-bundle")
