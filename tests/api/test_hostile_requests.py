"""Requests no client should send answer with a clear 4xx, never a 500."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/digests/%00/", "detail"),
        ("/api/v1/digests/2026-W48%00/", "detail"),
        ("/api/v1/changes/?team=%00", "team"),
        ("/api/v1/flags/?status=open&change=1%00", "change"),
    ],
)
def test_a_nul_byte_in_an_api_url_is_a_json_400_naming_where(token_client, consumer, url, field):
    response = token_client(consumer).get(url)
    assert response.status_code == 400 and "Null characters" in str(response.json()[field])


@pytest.mark.parametrize("url", ["/changes/calendar.ics?token=%00", "/digest/feed/?token=%00", "/changes/?team=%00"])
def test_a_nul_byte_in_a_page_url_is_a_400_even_for_anonymous_visitors(client, url):
    response = client.get(url)
    assert response.status_code == 400 and response["Content-Type"] == "text/plain; charset=utf-8"


@pytest.mark.parametrize("url", ["/api/v1/changes/", "/api/v1/support-texts/bulk/", "/api/v1/webhooks/"])
def test_json_nested_too_deeply_is_a_400(token_client, staff, url):
    response = token_client(staff).post(url, "[" * 100_000, content_type="application/json")
    assert response.status_code == 400 and "JSON parse error" in response.json()["detail"]


def test_a_body_over_the_upload_limit_is_a_json_413(token_client, staff, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    text = {"external_id": "1", "kind": "faq", "title": "T", "body": "x" * 2000}
    response = token_client(staff).post("/api/v1/support-texts/bulk/", {"source": "z", "texts": [text]}, format="json")
    assert response.status_code == 413 and "too large" in response.json()["detail"]


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/", "/changes/feed-token/rotate/", "/i18n/setlang/"])
@pytest.mark.parametrize("charset", ["utf-16", "no-such-charset"])
def test_a_form_not_in_utf8_is_a_400_even_for_anonymous_visitors(client, url, charset):
    body = "username=anna&password=x".encode("utf-16")
    response = client.generic("POST", url, body, content_type=f"application/x-www-form-urlencoded; charset={charset}")
    assert response.status_code == 400 and b"UTF-8" in response.content


def test_a_form_body_that_is_not_utf8_is_a_400_naming_why_in_the_api(token_client, staff):
    response = token_client(staff).generic(
        "POST", "/api/v1/changes/", b"title=\xff\xfe", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400 and response.json() == {"detail": "Form data must be sent as UTF-8."}
