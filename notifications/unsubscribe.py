"""One-click unsubscribe (RFC 8058): every e-mail carries a link that ends its own subscription, without a login.

The token in the link is the subscription's id signed with the secret key under a salt of its own: it cannot be
made for another subscription, nor read as any other signed value of the site, and it ends nothing but that
subscription. It does not expire: a digest read months later must still unsubscribe.
"""

import re
from email.message import Message
from email.utils import parseaddr
from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.urls import reverse

from notifications.models import Subscription

SALT = "notifications.unsubscribe"
# The subject of the mailto: link in List-Unsubscribe; what a mail client sends back (RFC 2369).
_MAIL_SUBJECT = re.compile(r"^\s*(?:re:\s*)?unsubscribe\s+(\S+)\s*$", re.IGNORECASE)
# Where e-mail bodies put the link of their own subscription; the payload is shared by every subscriber.
UNSUBSCRIBE_URL_MARK = "{{unsubscribe_url}}"


def unsubscribe_token(subscription: Subscription) -> str:
    return signing.dumps(subscription.pk, salt=SALT)


def unsubscribe_url(subscription: Subscription) -> str:
    return settings.SITE_URL + reverse("notifications:unsubscribe", args=[unsubscribe_token(subscription)])


def subscription_of_token(token: str) -> Subscription | None:
    """The subscription a token was made for; None when it is forged, cut short or its subscription is gone."""
    try:
        pk = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    return Subscription.objects.filter(pk=pk).first() if isinstance(pk, int) else None


def subscription_unsubscribe(subscription: Subscription) -> None:
    """End this one subscription; the row stays (inactive), so no default subscription brings it back."""
    Subscription.objects.filter(pk=subscription.pk).update(active=False)


def list_headers(subscription: Subscription) -> dict[str, str]:
    """The headers of a message to a list: how to leave it in one click (RFC 2369, RFC 8058), which list it is
    (RFC 2919), and that it is automatic, so out-of-office replies stay away (RFC 3834; Precedence for older
    servers)."""
    url = unsubscribe_url(subscription)
    sender = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "bulletin@localhost"
    domain = sender.rpartition("@")[2] or "localhost"
    mailto = f"mailto:{sender}?subject={quote('unsubscribe ' + unsubscribe_token(subscription))}"
    return {
        "List-Unsubscribe": f"<{url}>, <{mailto}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": f"Bulletin <bulletin.{domain}>",
        "Auto-Submitted": "auto-generated",
        "Precedence": "bulk",
    }


def unsubscribe_by_mail(message: Message) -> Subscription | None:
    """End the subscription a mail to the List-Unsubscribe mailto: address names in its subject; None when the
    subject holds no valid token. The token is the proof, as for the link: the sender's address is not."""
    match = _MAIL_SUBJECT.match(str(message.get("Subject", "")))
    subscription = subscription_of_token(match.group(1)) if match else None
    if subscription is not None:
        subscription_unsubscribe(subscription)
    return subscription
