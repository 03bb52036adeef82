"""Passwords cannot be guessed at machine speed: failed logins lock an account and an address for a while."""

import random

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def limits(settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.API_BAD_TOKEN_RATE = "5/minute"


def _login(client, url, username, password, **extra):
    return client.post(url, {"username": username, "password": password}, **extra)


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_after_the_failure_limit_even_the_right_password_is_refused_for_a_while(client, limits, make_user, url):
    make_user("anna", password="the-right-one", staff=True)
    answers = [_login(client, url, "anna", f"guess-{n}").status_code for n in range(5)]
    locked = _login(client, url, "anna", "the-right-one", HTTP_ACCEPT_LANGUAGE="de")

    assert answers[:4] == [200, 200, 200, 200]  # the form again, with its error
    assert locked.status_code == 429
    assert "Zu viele fehlgeschlagene Anmeldungen" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_one_address_trying_many_accounts_is_locked_out_too(client, limits, make_user):
    make_user("mia", password="mias-password")
    for n in range(5):
        _login(client, "/accounts/login/", f"nobody-{n}", "whatever")
    assert _login(client, "/accounts/login/", "mia", "mias-password").status_code == 429


def test_a_failure_below_the_limit_is_forgotten_after_a_good_login(client, limits, make_user):
    make_user("tom", password="toms-password")
    for _ in range(4):
        _login(client, "/accounts/login/", "tom", "typo")
    assert _login(client, "/accounts/login/", "tom", "toms-password").status_code == 302
    client.logout()
    for _ in range(4):
        _login(client, "/accounts/login/", "tom", "typo")
    assert _login(client, "/accounts/login/", "tom", "toms-password").status_code == 302


def test_failed_logins_are_logged(client, limits, make_user, caplog):
    make_user("sven", password="svens-password")
    _login(client, "/accounts/login/", "sven", "wrong")
    assert "Failed login for 'sven' from 127.0.0.1" in [record.getMessage() for record in caplog.records]


def test_api_requests_with_wrong_tokens_are_throttled_per_address(limits, make_user):
    # An address of its own: the counters live in the shared Redis, beside other tests' and runs'.
    client = APIClient(REMOTE_ADDR=f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}")
    answers = []
    for n in range(7):
        client.credentials(HTTP_AUTHORIZATION=f"Token {n:040d}")
        answers.append(client.get("/api/v1/changes/"))
    assert [answer.status_code for answer in answers] == [401] * 5 + [429, 429]
    assert int(answers[-1]["Retry-After"]) > 0


def test_a_wrong_password_says_that_the_name_or_the_password_is_wrong(client, make_user):
    make_user("berta", password="richtig")
    url = reverse("login")
    response = client.post(url, {"username": "berta", "password": "falsch"}, HTTP_ACCEPT_LANGUAGE="de")
    assert "Benutzername oder Passwort ist falsch" in response.content.decode()
    response = client.post(url, {"username": "berta", "password": "falsch"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "The user name or the password is wrong." in response.content.decode()


def test_logging_out_says_so_and_logging_in_opens_the_home_page(client, make_user):
    make_user("berta", password="richtig")
    response = client.post(reverse("login"), {"username": "berta", "password": "richtig"})
    assert response["Location"] == "/"
    page = client.post(reverse("logout"), follow=True, HTTP_ACCEPT_LANGUAGE="de")
    assert page.request["PATH_INFO"] == reverse("login")
    assert "Sie sind abgemeldet." in page.content.decode()
