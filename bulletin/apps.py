from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BulletinConfig(AppConfig):
    name = "bulletin"
    verbose_name = _("Bulletin")

    def ready(self):
        # Imported here, not at the top: these modules import models, which Django loads only after
        # every app's config (the app registry's rule, not an import circle).
        from bulletin.digest.receivers import digest_receivers_connect
        from bulletin.subscriptions import subscriptions_register
        from bulletin.texts.panels import flags_panel_register
        from bulletin.texts.receivers import flags_receivers_connect
        from bulletin.webhooks.events import webhooks_receivers_connect

        flags_receivers_connect()
        flags_panel_register()
        digest_receivers_connect()
        webhooks_receivers_connect()
        subscriptions_register()
