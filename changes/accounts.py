"""Logging in and out, in the words people expect (which of the two failed, that logging out worked), and the
header's language switch, which a logged-in person's account remembers."""

from django.contrib import messages
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from changes.languages import SESSION_KEY, language_choose, language_is_known


class LoginForm(AuthenticationForm):
    # Django's German text only asks to "enter" a name and a password, as if none had been given.
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The user name or the password is wrong. Both are case-sensitive."),
    }


def say_logged_out(sender, request=None, user=None, **kwargs):
    if request is not None:
        # fail_silently: a logout outside a page request (the test client, an API session) has no messages.
        messages.success(request, gettext("You are logged out."), fail_silently=True)


@require_POST
def language_set(request):
    """Django's set_language (the cookie, the redirect back), and for a logged-in person their account's choice."""
    response = set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language_is_known(language):
        language_choose(user=request.user, language=language)
        request.session[SESSION_KEY] = language
    return response
