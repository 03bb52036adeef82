"""Schemathesis against the OpenAPI schema on a live server: no 5xx, every answer as documented.

The schema is built at collection time from the same generator that serves
/api/schema/ (schemathesis needs the operations before the live server starts;
its lazy `from_fixture` loader does not work with pytest 9), and every generated
request goes to pytest-django's live server over HTTP.
"""

import json
import os

import pytest
import schemathesis
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.settings import spectacular_settings
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.specs.openapi.checks import positive_data_acceptance

from changes.models import Membership

schema = schemathesis.openapi.from_dict(
    json.loads(
        OpenApiJsonRenderer().render(
            spectacular_settings.DEFAULT_GENERATOR_CLASS().get_schema(request=None, public=True)
        )
    )
)


@pytest.fixture
def api_token(transactional_db, make_user, make_team, make_change):
    """A lead's token, and a few changes for the generated requests to find."""
    team = make_team("einkauf", "Einkauf")
    lead = make_user("schemalead", team=team, role=Membership.Role.LEAD)
    make_change(team=team, status="published", facts=[("alt", "neu")])
    make_change(team=team, status="draft")
    return Token.objects.create(user=lead).key


def test_the_served_schema_is_the_one_tested(client):
    served = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert served == schema.raw_schema


# The same examples on every run, so CI stays deterministic; set SCHEMATHESIS_EXPLORE=1 to
# let Hypothesis draw new ones (that is how the bugs fixed so far were found).
@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=not os.environ.get("SCHEMATHESIS_EXPLORE"),
)
def test_api_answers_as_its_schema_says(case, live_server, api_token):
    case.call_and_validate(
        base_url=live_server.url,
        headers={"Authorization": f"Token {api_token}"},
        # A body can match the schema and still break a business rule (an unknown
        # team, an end before the start); those are documented 400s, not bugs.
        excluded_checks=[positive_data_acceptance],
    )


def test_the_schema_promises_what_the_server_checks(token_client, staff, team):
    paths = schema.raw_schema["paths"]
    components = schema.raw_schema["components"]["schemas"]
    parameters = {p["name"]: p["schema"] for p in paths["/api/v1/changes/"]["get"]["parameters"]}
    assert parameters["ordering"]["minItems"] == 1 and parameters["page"]["maximum"] == 999_999_999
    assert components["ChangeRequest"]["properties"]["channels"]["minItems"] == 1
    assert components["ChangeRequest"]["properties"]["effective_from"]["pattern"] == "^20[0-9]{2}-[0-9]{2}-[0-9]{2}$"
    assert set(paths["/api/v1/support-texts/bulk/"]["post"]["requestBody"]["content"]) == {"application/json"}

    client = token_client(staff)
    assert client.get("/api/v1/changes/", {"ordering": ""}).status_code == 400
    assert client.get("/api/v1/changes/", {"page": "1000000000"}).status_code == 400
    change = {"team": team.slug, "title": "T", "category": "delivery_time", "severity": "high", "channels": []}
    assert client.post("/api/v1/changes/", {**change, "effective_from": "2026-12-10"}, format="json").status_code == 400
    late = {**change, "channels": ["email"], "effective_from": "2199-12-10"}
    assert client.post("/api/v1/changes/", late, format="json").status_code == 400
    form = client.post("/api/v1/support-texts/bulk/", {"source": "z"}, format="multipart")
    assert form.status_code == 415
