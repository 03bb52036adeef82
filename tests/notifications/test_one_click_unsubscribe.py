"""One-click unsubscribe (RFC 8058): the headers every e-mail carries, and the link that ends one subscription."""

import re

import pytest
from django.core import mail, signing
from django.test import Client
from django.utils import timezone

from notifications.models import Delivery, Subscription
from notifications.outbox import outbox_enqueue, outbox_send
from notifications.unsubscribe import UNSUBSCRIBE_URL_MARK, unsubscribe_url

pytestmark = pytest.mark.django_db


def _send(subscription, key="digest:2026-W49:r1"):
    payload = {"subject": "Bulletin 2026-W49", "text": f"Hallo\nAbbestellen: {UNSUBSCRIBE_URL_MARK}\n",
               "html": f'<p><a href="{UNSUBSCRIBE_URL_MARK}">Abbestellen</a></p>'}  # fmt: skip
    delivery = outbox_enqueue(subscription=subscription, key=key, payload=payload)
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert outbox_send(delivery_id=delivery.pk) == "delivered"
    return mail.outbox[-1]


@pytest.fixture
def mia(make_user):
    user = make_user("mia")
    return Subscription.objects.create(user=user, kind="email", target=user.email, topics=["digest", "addendum"])


def test_every_email_carries_the_list_headers_and_its_own_link(mia, make_user):
    message = _send(mia)
    url = unsubscribe_url(mia)
    assert message.extra_headers["List-Unsubscribe"].startswith(f"<{url}>, <mailto:")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["List-Id"].startswith("Bulletin <bulletin.")
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    assert message.extra_headers["Precedence"] == "bulk"
    assert url in message.body and url in message.alternatives[0][0]
    other = Subscription.objects.create(kind="email", target="team@example.com", topics=["digest"])
    assert unsubscribe_url(other) in _send(other).body and url not in _send(other, key="k2").body


def test_a_post_with_no_login_and_no_cookie_ends_that_subscription_and_answers_200(mia):
    other = Subscription.objects.create(user=mia.user, kind="email", target="mia@home.example", topics=["digest"])
    path = re.sub(r"^https?://[^/]+", "", unsubscribe_url(mia))
    response = Client(enforce_csrf_checks=True).post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    mia.refresh_from_db()
    other.refresh_from_db()
    assert not mia.active and other.active  # that one subscription, nothing else


def test_a_get_only_asks_to_confirm_with_one_button(mia, client):
    path = re.sub(r"^https?://[^/]+", "", unsubscribe_url(mia))
    html = client.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert html.count("<button") == 2  # the header's language switch and the one to confirm
    assert 'type="submit" class="primary">Unsubscribe</button>' in html
    mia.refresh_from_db()
    assert mia.active  # a link scanner following the link unsubscribes no one


@pytest.mark.parametrize("token", ["nonsense", "1:abc", "forged-token"])
def test_a_forged_or_foreign_token_is_refused(mia, token):
    response = Client().post(f"/notifications/unsubscribe/{token}/")
    assert response.status_code == 400
    foreign = signing.dumps(mia.pk, salt="something else")  # signed by us, for another purpose
    assert Client().post(f"/notifications/unsubscribe/{foreign}/").status_code == 400
    mia.refresh_from_db()
    assert mia.active
