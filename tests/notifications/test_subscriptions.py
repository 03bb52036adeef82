"""Who hears about what: subscriptions follow their account."""

import pytest

from notifications.models import Subscription
from notifications.subscriptions import subscription_email_default, subscriptions_for_topic

pytestmark = pytest.mark.django_db


def test_a_deactivated_account_hears_nothing_but_a_list_address_still_does(make_user):
    leaver = make_user("leaver")
    subscription_email_default(user=leaver)
    team_list = Subscription.objects.create(kind="email", target="support@example.com", topics=["digest"])
    leaver.is_active = False
    leaver.save()
    assert subscriptions_for_topic("digest") == [team_list]


def test_the_digest_goes_to_the_address_the_account_has_now(make_user):
    mia = make_user("mia")
    subscription = subscription_email_default(user=mia)
    mia.email = "mia.new@example.com"
    mia.save()
    subscription.refresh_from_db()
    assert subscription.target == "mia.new@example.com"
