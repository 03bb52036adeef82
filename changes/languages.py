"""Each person's language: chosen in the header's switch (or by an admin), remembered on their account.

Pages follow it from login on; e-mails, addenda and Slack messages to a person are written in it
(bulletin reads it with languages_of). Someone who never chose has the service's LANGUAGE_CODE.
"""

from collections.abc import Iterable

from django.conf import settings
from django.db import DatabaseError
from django.utils import translation

from changes.models import Preferences

# Where a logged-in session keeps the account's language; logging out flushes it with the session.
SESSION_KEY = "bulletin_language"


def language_is_known(code: str | None) -> bool:
    return code in {known for known, _name in settings.LANGUAGES}


def languages_of(user_ids: Iterable[int]) -> dict[int, str]:
    """{user id: language} for these users, LANGUAGE_CODE for anyone who never chose one; one query."""
    user_ids = set(user_ids)
    chosen = dict(
        Preferences.objects.filter(user_id__in=user_ids).exclude(language="").values_list("user_id", "language")
    )
    return {user_id: chosen.get(user_id, settings.LANGUAGE_CODE) for user_id in user_ids}


def language_of(user) -> str:
    return languages_of([user.pk])[user.pk]


def language_chosen_by(user) -> str | None:
    """The language the user chose, or None when they never did (then the request's own decides)."""
    chosen = Preferences.objects.filter(user=user).values_list("language", flat=True).first()
    return chosen if language_is_known(chosen) else None


def language_choose(*, user, language: str) -> Preferences:
    """Remember `language` as the user's own. A code that is not one of LANGUAGES is a ValueError."""
    if not language_is_known(language):
        raise ValueError(f"{language!r} is not one of the service's languages")
    preferences, _created = Preferences.objects.update_or_create(user=user, defaults={"language": language})
    return preferences


def language_remember_on_login(sender, request=None, user=None, **kwargs):
    """Receiver of user_logged_in: the pages of this session speak the account's language."""
    if request is None or user is None or not hasattr(request, "session"):
        return
    chosen = language_chosen_by(user)
    if chosen:
        request.session[SESSION_KEY] = chosen


class AccountLanguageMiddleware:
    """After LocaleMiddleware and the session: a logged-in person's own language wins over the browser's.

    Read from the session, so a page costs no query for it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            chosen = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
        except DatabaseError:
            # The sessions are in the database: with it away, the view's own query meets the same error and
            # DatabaseUnavailable answers 503, which only a view's exception reaches.
            chosen = None
        if language_is_known(chosen):
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen
        return self.get_response(request)
