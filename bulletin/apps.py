from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BulletinConfig(AppConfig):
    name = "bulletin"
    verbose_name = _("Bulletin")

    def ready(self):
        from bulletin.panels import flags_panel_register
        from bulletin.receivers import digest_receivers_connect, flags_receivers_connect
        from bulletin.webhooks import webhooks_receivers_connect

        flags_receivers_connect()
        flags_panel_register()
        digest_receivers_connect()
        webhooks_receivers_connect()
