"""Keeping webhooks and Slack posts away from the service's own network.

A consumer chooses the URL Bulletin POSTs to; without this check it could aim
Bulletin at Redis, the database or a cloud metadata address inside the network
(server-side request forgery). NOTIFICATIONS_ALLOW_PRIVATE_HOSTS lifts it for
receivers on an internal network, and for the tests' local receiver.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings


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
