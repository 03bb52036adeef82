from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from bulletin.digest.models import Digest
from bulletin.permissions import can_view_flags
from changes.feeds import feed_user


@dataclass(frozen=True)
class _Reader:
    user: object
    token: str  # empty when the feed was read in a session


class DigestFeed(Feed):
    """Atom feed of the latest digests; readers authenticate with ?token=<feed token> (or a session).

    One entry per week: its id stays the week's address across revisions and `updated` is the
    revision's compilation, so a recompiled digest updates the entry instead of adding a second one.
    """

    feed_type = Atom1Feed
    title = _("Bulletin digests")
    subtitle = _("What changes this week that the customer will feel.")
    author_name = "Bulletin"  # Atom requires an author on the feed or on every entry

    def get_object(self, request, *args, **kwargs):
        token = request.GET.get("token", "")
        user = feed_user(key=token)
        if user is None:
            token = ""
            if request.user.is_authenticated:
                user = request.user
        if user is None or not can_view_flags(user):
            raise PermissionDenied
        return _Reader(user=user, token=token)

    def link(self, obj):
        return settings.SITE_URL + reverse("bulletin:digest")

    def feed_url(self, obj):
        # Readers re-fetch from rel="self": without the token that address would answer 403.
        query = f"?{urlencode({'token': obj.token})}" if obj.token else ""
        return f"{settings.SITE_URL}{reverse('bulletin:digest-feed')}{query}"

    def items(self, obj):
        return Digest.objects.order_by("-monday")[:20]

    def item_title(self, item):
        return _("Bulletin %(week)s (revision %(revision)d)") % {"week": item.week, "revision": item.revision}

    def item_description(self, item):
        return item.html  # sanitised when compiled

    def item_link(self, item):
        return settings.SITE_URL + item.get_absolute_url()

    def item_guid(self, item):
        # Without the revision: a reader that saw a new id would list a recompiled week twice.
        return settings.SITE_URL + item.get_absolute_url()

    def item_updateddate(self, item):
        return item.compiled_at

    # No item_pubdate: Atom's <published> is the entry's first appearance, and the digest keeps only the
    # compilation of its latest revision, which is <updated>.
