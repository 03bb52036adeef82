from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from bulletin.digest.models import Digest
from bulletin.permissions import can_view_flags
from changes.feeds import feed_user


class DigestFeed(Feed):
    """Atom feed of the latest digests; readers authenticate with ?token=<feed token> (or a session)."""

    feed_type = Atom1Feed
    title = _("Bulletin digests")
    subtitle = _("What changes this week that the customer will feel.")
    author_name = "Bulletin"  # Atom requires an author on the feed or on every entry

    def get_object(self, request, *args, **kwargs):
        user = feed_user(key=request.GET.get("token", ""))
        if user is None and request.user.is_authenticated:
            user = request.user
        if user is None or not can_view_flags(user):
            raise PermissionDenied
        return user

    def link(self, obj):
        return settings.SITE_URL + reverse("bulletin:digest")

    def items(self, obj):
        return Digest.objects.order_by("-monday")[:20]

    def item_title(self, item):
        return _("Bulletin %(week)s (revision %(revision)d)") % {"week": item.week, "revision": item.revision}

    def item_description(self, item):
        return item.html  # sanitised when compiled

    def item_link(self, item):
        return settings.SITE_URL + item.get_absolute_url()

    def item_guid(self, item):
        return f"{settings.SITE_URL}{item.get_absolute_url()}#r{item.revision}"

    def item_updateddate(self, item):
        return item.compiled_at

    def item_pubdate(self, item):
        return item.compiled_at
