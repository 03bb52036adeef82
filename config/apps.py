from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    # Django's documented way to replace the default site: every @admin.register then lands on ours.
    default_site = "config.admin.BulletinAdminSite"
