"""Logging in and out, in the words people expect: which of the two failed, and that logging out worked."""

from django.contrib import messages
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


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
