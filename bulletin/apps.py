from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BulletinConfig(AppConfig):
    name = "bulletin"
    verbose_name = _("Bulletin")

    def ready(self):
        from bulletin.webhooks import connect_receivers

        connect_receivers()
