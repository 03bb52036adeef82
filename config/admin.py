"""The Django admin branded Bulletin (the default site of config.apps.AdminConfig), and what its pages share."""

from django.contrib.admin import AdminSite
from django.utils.translation import gettext_lazy as _


class BulletinAdminSite(AdminSite):
    site_header = _("Bulletin administration")
    site_title = _("Bulletin admin")
    index_title = _("Bulletin's data")


class JoinedListsMixin:
    """For a ModelAdmin that shows JSON lists joined ("E-mail, Chat"): `joined_lists` maps each list field to the
    admin method that joins it. A page shown read only uses those methods, where Django would print the JSON."""

    joined_lists: dict[str, str] = {}

    def _shown_read_only(self, request, obj) -> bool:
        return obj is not None and not self.has_change_permission(request, obj)

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if self._shown_read_only(request, obj):
            return [self.joined_lists.get(name, name) for name in fields]
        return fields

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if self._shown_read_only(request, obj):
            # Read only as well, or the admin would look for a model field of that name to build a form field.
            readonly += self.joined_lists.values()
        return readonly
