"""/api/redoc/ loads nothing from another host: no fonts, no script, no logo."""

import re
from pathlib import Path

from django.contrib.staticfiles import finders

from config.redoc import BUNDLE

# An address the browser would resolve elsewhere: with a scheme, or protocol-relative ("//host/…").
ABSOLUTE_URL = re.compile(r"(?:https?:)?//([^/\s\"'<>]+)", re.IGNORECASE)


def test_the_redoc_page_names_no_other_host(client):
    response = client.get("/api/redoc/")
    assert response.status_code == 200
    page = response.content.decode()
    assert ABSOLUTE_URL.findall(page) == []
    assert '<script src="/api/redoc/redoc.standalone.js"></script>' in page
    assert '<redoc spec-url="/api/schema/"></redoc>' in page  # started without an inline script
    policy = dict(directive.strip().split(" ", 1) for directive in response["Content-Security-Policy"].split(";"))
    # The policy still holds the page to our host: fonts fall back to default-src.
    assert (policy["default-src"], policy["script-src"], policy["img-src"]) == ("'self'", "'self'", "'self' data:")
    assert "font-src" not in policy


def test_the_redoc_bundle_is_the_sidecars_without_the_logo_from_redoclys_cdn(client):
    response = client.get("/api/redoc/redoc.standalone.js")
    assert response.status_code == 200 and response["Content-Type"] == "text/javascript; charset=utf-8"
    bundle = response.content
    original = Path(finders.find(BUNDLE)).read_bytes()
    assert b"cdn.redoc.ly" in original and b"cdn.redoc.ly" not in bundle
    # The one address the bundle loads by itself; the others in it are links, schema ids and examples.
    assert re.findall(rb'src:"[^"]+"', bundle) == []
    assert len(original) - len(bundle) < 200 and bundle[:100_000] == original[:100_000]
    assert bundle.endswith(b"//# sourceMappingURL=/static/" + BUNDLE.encode() + b".map")


def test_the_redoc_bundle_is_cached_and_revalidated(client):
    response = client.get("/api/redoc/redoc.standalone.js")
    assert "max-age=86400" in response["Cache-Control"]
    again = client.get("/api/redoc/redoc.standalone.js", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and again.content == b""
