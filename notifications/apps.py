from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_save

        from notifications.subscriptions import subscriptions_follow_email

        def follow_email(sender, instance, **kwargs):
            # A digest sent to the address a user had when they subscribed would go to an old mailbox.
            subscriptions_follow_email(user=instance)

        post_save.connect(follow_email, sender=get_user_model(), weak=False, dispatch_uid="subscriptions-follow-email")
