"""GET /api/v1/ lists the API's endpoints and its documentation, for a client that starts from one address."""

from rest_framework.test import APIClient

ENDPOINTS = {"changes", "teams", "digests", "webhooks", "support_texts", "flags", "kpis"}
DOCUMENTATION = {"schema", "docs", "redoc"}


def test_the_index_names_every_endpoint_and_the_docs_by_absolute_url(token_client, staff):
    client = token_client(staff)
    response = client.get("/api/v1/")
    assert response.status_code == 200
    index = response.json()
    assert set(index) == ENDPOINTS | DOCUMENTATION
    assert index["changes"] == "http://testserver/api/v1/changes/"
    assert index["support_texts"] == "http://testserver/api/v1/support-texts/"
    assert (index["schema"], index["docs"], index["redoc"]) == (
        "http://testserver/api/schema/", "http://testserver/api/docs/", "http://testserver/api/redoc/"
    )
    for name, url in index.items():
        assert client.get(url).status_code == 200, name


def test_an_anonymous_request_gets_the_apis_401():
    response = APIClient().get("/api/v1/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert set(response.json()) == {"detail"}


def test_the_schema_describes_the_index(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/api/v1/"]["get"]
    assert operation["operationId"] == "api_index" and set(operation["responses"]) == {"200", "401", "429"}
    answer = schema["components"]["schemas"]["ApiIndex"]
    assert set(answer["properties"]) == ENDPOINTS | DOCUMENTATION
    assert all(field == {"type": "string", "format": "uri"} for field in answer["properties"].values())
