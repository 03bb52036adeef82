import pytest
from django.urls import reverse

from changes.feeds import feed_token_for, feed_user


def test_rotating_the_feed_token_retires_the_old_link(client, agent):
    old_key = feed_token_for(user=agent).key
    client.force_login(agent)
    response = client.post(reverse("changes:feed-token-rotate"), {"next": "/changes/"})
    assert response.status_code == 302 and response["Location"] == "/changes/"
    assert feed_user(key=old_key) is None
    assert feed_user(key=feed_token_for(user=agent).key) == agent


def test_rotation_never_redirects_off_site(client, agent):
    client.force_login(agent)
    response = client.post(reverse("changes:feed-token-rotate"), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("changes:list")


@pytest.mark.parametrize("target", ["changes", "changes:list", "//evil.example/", "javascript:alert(1)"])
def test_rotating_with_a_next_that_is_no_local_path_goes_to_the_list(client, lead, target):
    client.force_login(lead)
    response = client.post(reverse("changes:feed-token-rotate"), {"next": target})
    assert response.status_code == 302 and response["Location"] == reverse("changes:list")
