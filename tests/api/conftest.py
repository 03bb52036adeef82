import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from changes.models import Membership


@pytest.fixture(autouse=True)
def generous_throttle(settings):
    # Throttle counters live in the shared Redis; only the throttling test wants a low rate.
    settings.API_THROTTLE_RATE = "100000/minute"


@pytest.fixture
def token_client(db):
    """An API client that sends `Authorization: Token <key>` for the given user."""

    def make(user):
        client = APIClient()
        token, _created = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


@pytest.fixture
def consumer(make_user):
    """A machine account: signed in, member of no team."""
    return make_user("chatbot")


@pytest.fixture
def member(make_user, team):
    return make_user("member", team=team, role=Membership.Role.AGENT)
