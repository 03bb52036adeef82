import logging

from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger("changes.logins")


def log_failed_login(sender, credentials, request=None, **kwargs):
    # Who and from where: django-axes counts the failures, this line lets an operator see them.
    address = request.META.get("REMOTE_ADDR", "?") if request is not None else "?"
    logger.warning("Failed login for %r from %s", credentials.get("username", ""), address)


class ChangesConfig(AppConfig):
    name = "changes"
    verbose_name = _("Changes")

    def ready(self):
        from changes.accounts import say_logged_out  # the auth forms need the app registry ready
        from changes.languages import language_remember_on_login

        user_login_failed.connect(log_failed_login, dispatch_uid="changes.log_failed_login")
        user_logged_out.connect(say_logged_out, dispatch_uid="changes.say_logged_out")
        user_logged_in.connect(language_remember_on_login, dispatch_uid="changes.language_remember_on_login")
