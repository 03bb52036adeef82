"""Keeping webhooks and Slack posts away from the service's own network.

A consumer chooses the URL Bulletin POSTs to; without this check it could aim
Bulletin at Redis, the database or a cloud metadata address inside the network
(server-side request forgery). NOTIFICATIONS_ALLOW_PRIVATE_HOSTS lifts it for
receivers on an internal network, and for the tests' local receiver.

Slack posts go to Slack's own incoming-webhook host; the same setting lets them go elsewhere (a Slack-compatible
receiver such as Mattermost inside the network, or the tests' receiver).
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

SLACK_HOST = "hooks.slack.com"


def _is_public_ip(address: str) -> bool:
    return ipaddress.ip_address(address.split("%", 1)[0]).is_global


def host_is_private_literal(url: str) -> bool:
    """Whether the URL names localhost or a non-public IP literal (checked without DNS, for a quick 400)."""
    if settings.NOTIFICATIONS_ALLOW_PRIVATE_HOSTS:
        return False
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return not _is_public_ip(host)
    except ValueError:  # a name, not an IP literal
        return False


def private_address_of(url: str) -> str | None:
    """The first non-public address the URL's host resolves to, or None.

    Checked again right before each POST: a name that resolved to a public
    address at registration may point inside the network later. (A resolver
    answering differently between this check and the connection is not covered.)
    """
    if settings.NOTIFICATIONS_ALLOW_PRIVATE_HOSTS:
        return None
    parts = urlsplit(url)
    try:
        infos = socket.getaddrinfo(parts.hostname or "", parts.port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return None  # unresolvable: the POST itself fails and is retried as usual
    for info in infos:
        address = info[4][0]
        if not _is_public_ip(address):
            return address
    return None


def receiver_url_error(url: str, *, kind: str) -> str | None:
    """Why Bulletin will not POST to `url` for a subscription of `kind` ("slack" or "webhook"), in the active
    language; None when it will. The forms and the API refuse a URL by this one rule; the transports check the
    address again at each POST."""
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed [ of an IPv6 address
        parts = urlsplit("")
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return _("Only http and https URLs can receive webhooks.")
    at_slack = parts.scheme.lower() == "https" and parts.hostname.rstrip(".").lower() == SLACK_HOST
    if kind == "slack" and not at_slack and not settings.NOTIFICATIONS_ALLOW_PRIVATE_HOSTS:
        return _(
            "Use the incoming-webhook URL Slack gives you: it starts with https://hooks.slack.com/. "
            "Other receivers are accepted only when NOTIFICATIONS_ALLOW_PRIVATE_HOSTS is turned on."
        )
    if host_is_private_literal(url):
        return _("Webhooks must go to a public address, not localhost or a private IP.")
    return None
