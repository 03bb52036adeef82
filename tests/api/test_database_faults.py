"""The database restarts or goes away: stale connections are replaced, and requests meanwhile get a 503."""

import pytest
import requests
from django.db import connection
from django.test import Client
from rest_framework.authtoken.models import Token

from tests.servers import gunicorn

pytestmark = pytest.mark.django_db(transaction=True)


def _backends_of_others() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [pid for (pid,) in cursor.fetchall()]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a server restart is a PostgreSQL fault")
def test_after_the_server_dropped_every_connection_the_next_request_answers(lead):
    token = Token.objects.create(user=lead).key
    headers = {"Authorization": f"Token {token}"}
    with gunicorn() as url:  # one sync worker that keeps its connection for 60 s, as configured
        assert requests.get(f"{url}/api/v1/changes/", headers=headers, timeout=10).status_code == 200
        kept = _backends_of_others()
        assert kept
        # What a restart does to the connections the service keeps: the server closes them.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", [kept])

        answers = [requests.get(f"{url}/api/v1/changes/", headers=headers, timeout=10).status_code for _ in range(3)]

    assert answers == [200, 200, 200]


@pytest.fixture
def database_away(token_client, lead, agent):
    """Clients signed in first; then the database cannot be reached (nothing listens where it was)."""
    clients = {"api": token_client(lead), "page": _page_client(agent)}
    settings = connection.settings_dict
    saved = dict(settings)
    connection.close()
    if connection.vendor == "postgresql":
        settings["PORT"] = "1"  # nothing listens there: connection refused
    else:
        settings["NAME"] = "/nonexistent/folder/db.sqlite3"
    yield clients
    connection.close()
    settings.clear()
    settings.update(saved)


def _page_client(user):
    client = Client()
    client.force_login(user)
    return client


def test_while_the_database_is_away_the_api_says_so_with_a_503(database_away):
    response = database_away["api"].get("/api/v1/changes/")
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert "cannot reach its database" in response.json()["detail"]


def test_while_the_database_is_away_a_page_says_so_with_a_503(database_away):
    response = database_away["page"].get("/changes/")
    assert response.status_code == 503
    assert "cannot reach its database" in response.content.decode()


def test_the_503_speaks_the_visitors_language(database_away):
    response = database_away["page"].get("/changes/", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 503 and "erreicht seine Datenbank gerade nicht" in response.content.decode()
