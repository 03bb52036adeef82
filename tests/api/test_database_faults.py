"""The database restarts or goes away: stale connections are replaced, and requests meanwhile get a 503."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from django.db import connection
from django.test import Client
from rest_framework.authtoken.models import Token

from tests.conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parent.parent.parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def gunicorn():
    """The service under gunicorn (one sync worker, connections kept for 60 s as configured) on the test database."""
    port = _free_port()
    settings = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": "tests-only-secret",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1", "--timeout", "30"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(url), timeout=30)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def _answers(url) -> bool:
    try:
        return requests.get(f"{url}/accounts/login/", timeout=2).status_code == 200
    except requests.ConnectionError:
        return False


def _backends_of_others() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [pid for (pid,) in cursor.fetchall()]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a server restart is a PostgreSQL fault")
def test_after_the_server_dropped_every_connection_the_next_request_answers(gunicorn, lead):
    token = Token.objects.create(user=lead).key
    headers = {"Authorization": f"Token {token}"}
    assert requests.get(f"{gunicorn}/api/v1/changes/", headers=headers, timeout=10).status_code == 200
    kept = _backends_of_others()
    assert kept  # gunicorn's worker keeps its connection
    # What a restart does to the connections the service keeps: the server closes them.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", [kept])

    answers = [requests.get(f"{gunicorn}/api/v1/changes/", headers=headers, timeout=10).status_code for _ in range(3)]

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
