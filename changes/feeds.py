"""Secret feed URLs: one rotatable key per user, shared by every feed (calendar, digest)."""

import secrets

from django.db import transaction

from changes.models import FeedToken


def _new_key() -> str:
    return secrets.token_urlsafe(32)


def feed_token_for(*, user) -> FeedToken:
    """The user's feed token, created on first use."""
    token, _created = FeedToken.objects.get_or_create(user=user, defaults={"key": _new_key()})
    return token


@transaction.atomic
def feed_token_rotate(*, user) -> FeedToken:
    """Give the user a new key; every feed URL with the old key stops working at once."""
    token, created = FeedToken.objects.select_for_update().get_or_create(user=user, defaults={"key": _new_key()})
    if not created:
        token.key = _new_key()
        token.save(update_fields=["key", "created_at"])
    return token


def feed_user(*, key: str):
    """The active user a feed key belongs to, or None."""
    if not key:
        return None
    token = FeedToken.objects.select_related("user").filter(key=key).first()
    if token is None or not token.user.is_active:
        return None
    return token.user
