"""Sending one delivery by e-mail, Slack or signed webhook.

Each transport returns the HTTP status (None for e-mail) on success and raises
TemporaryFailure (worth another try: timeouts, refused connections, 5xx, 429,
SMTP 4xx) or PermanentFailure (another try would fail the same way).
"""

import base64
import hashlib
import hmac
import json
import os
import re
import smtplib
import time

import requests
from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from notifications.addresses import private_address_of
from notifications.unsubscribe import UNSUBSCRIBE_URL_MARK, list_headers, unsubscribe_url

HTTP_TIMEOUT = (5, 15)  # connect, read


class TemporaryFailure(Exception):
    def __init__(self, message, *, status_code=None, retry_after=None):
        super().__init__(message)
        self.status_code = status_code
        self.retry_after = retry_after


class PermanentFailure(Exception):
    def __init__(self, message, *, status_code=None):
        super().__init__(message)
        self.status_code = status_code


def sign(secret: str, body: bytes) -> str:
    """The X-Bulletin-Signature value: HMAC-SHA256 of the exact request body.

    Deprecated for Standard Webhooks (standard_signature); still sent for one release so receivers can move."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


SECRET_PREFIX = "whsec_"


def secret_key(secret: str) -> bytes:
    """The HMAC key of a subscription's secret: the bytes of a Standard Webhooks secret ("whsec_" and base64), or
    a secret from before them as its UTF-8 bytes (a receiver verifies those with "whsec_" + base64 of it)."""
    if secret.startswith(SECRET_PREFIX):
        return base64.b64decode(secret[len(SECRET_PREFIX):])
    return secret.encode()


def secret_new() -> str:
    """A Standard Webhooks secret: 24 random bytes."""
    return SECRET_PREFIX + base64.b64encode(os.urandom(24)).decode()


def standard_signature(secret: str, *, message_id: str, timestamp: int, body: bytes) -> str:
    """The webhook-signature header (Standard Webhooks, v1): HMAC-SHA256 over "id.timestamp.body", base64. The
    timestamp in the signed content lets a receiver refuse a replay of an old request."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(secret_key(secret), signed, hashlib.sha256).digest()).decode()


def message_id(delivery) -> str:
    # The same Message-ID on every attempt lets mail servers and clients drop a
    # copy that an at-least-once resend produced.
    local = re.sub(r"[^A-Za-z0-9.-]+", ".", delivery.key).strip(".")
    return f"<{local}.s{delivery.subscription_id}@bulletin>"


def send_email(delivery) -> None:
    payload, subscription = delivery.payload, delivery.subscription
    # The payload is the same for every subscriber; the way out is each one's own.
    own_url = unsubscribe_url(subscription)
    message = EmailMultiAlternatives(
        # One line whatever the payload says: a line break in a header is refused (BadHeaderError) for ever.
        subject=" ".join(payload["subject"].split()),
        body=payload["text"].replace(UNSUBSCRIBE_URL_MARK, own_url),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[payload.get("to") or subscription.target],
        headers={"Message-ID": message_id(delivery), **payload.get("headers", {}), **list_headers(subscription)},
    )
    if payload.get("html"):
        message.attach_alternative(payload["html"].replace(UNSUBSCRIBE_URL_MARK, own_url), "text/html")
    try:
        message.send()
    except smtplib.SMTPResponseException as error:
        if 400 <= error.smtp_code < 500:
            raise TemporaryFailure(f"SMTP {error.smtp_code}: {error.smtp_error!r}") from error
        raise PermanentFailure(f"SMTP {error.smtp_code}: {error.smtp_error!r}") from error
    except smtplib.SMTPRecipientsRefused as error:
        raise PermanentFailure(f"recipient refused: {error.recipients!r}") from error
    except (smtplib.SMTPException, OSError) as error:
        raise TemporaryFailure(f"{type(error).__name__}: {error}") from error


MALFORMED_ADDRESS = (
    requests.exceptions.InvalidURL,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
)


def http_post(url: str, body: bytes, headers: dict) -> requests.Response:
    """POST once and return the receiver's answer, whatever its status.

    Raises PermanentFailure for an address that is refused or malformed, TemporaryFailure when no answer came
    (timeout, refused connection). The outbox and a test message from the subscriptions page both send this way.
    """
    refused = private_address_of(url)
    if refused:
        raise PermanentFailure(f"refused: {url} resolves to the non-public address {refused}")
    try:
        return requests.post(url, data=body, headers=headers, timeout=HTTP_TIMEOUT, allow_redirects=False)
    except MALFORMED_ADDRESS as error:
        # No retry makes a malformed address work; say so at once instead of after eight attempts.
        raise PermanentFailure(f"{type(error).__name__}: {error}") from error
    except requests.RequestException as error:
        raise TemporaryFailure(f"{type(error).__name__}: {error}") from error


def _post(url: str, body: bytes, headers: dict) -> int:
    response = http_post(url, body, headers)
    code = response.status_code
    if 200 <= code < 300:
        return code
    excerpt = response.text[:300]
    if code == 429 or code >= 500:
        retry_after = response.headers.get("Retry-After")
        raise TemporaryFailure(
            f"HTTP {code}: {excerpt}",
            status_code=code,
            retry_after=int(retry_after) if retry_after and retry_after.isdigit() else None,
        )
    raise PermanentFailure(f"HTTP {code}: {excerpt}", status_code=code)


def slack_request(delivery) -> tuple[bytes, dict]:
    """The body and headers of the Slack post of `delivery`."""
    payload = {"text": delivery.payload["text"]}
    if delivery.payload.get("blocks"):
        payload["blocks"] = delivery.payload["blocks"]
    return json.dumps(payload).encode(), {"Content-Type": "application/json"}


def webhook_request(delivery) -> tuple[bytes, dict]:
    """The body and the signed headers of the webhook POST of `delivery` (a saved row: its id signs it)."""
    body = json.dumps(delivery.payload["body"], separators=(",", ":"), sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Bulletin-Webhooks/1",
        "X-Bulletin-Event": delivery.payload.get("event", ""),
        "X-Bulletin-Delivery": delivery.key,
    }
    secret = delivery.subscription.secret
    if secret:
        # The id stays the same on every attempt, so a receiver drops a copy it already has; the timestamp is
        # this attempt's, as the standard has it.
        message_id, timestamp = f"msg_{delivery.pk}", int(time.time())
        headers["webhook-id"] = message_id
        headers["webhook-timestamp"] = str(timestamp)
        headers["webhook-signature"] = standard_signature(
            secret, message_id=message_id, timestamp=timestamp, body=body
        )
        headers["X-Bulletin-Signature"] = sign(secret, body)  # deprecated: see sign()
    return body, headers


def send_slack(delivery) -> int:
    return _post(delivery.subscription.target, *slack_request(delivery))


def send_webhook(delivery) -> int:
    return _post(delivery.subscription.target, *webhook_request(delivery))


TRANSPORTS = {"email": send_email, "slack": send_slack, "webhook": send_webhook}
# How each kind that POSTs builds its request (body, headers) for a delivery.
HTTP_REQUESTS = {"slack": slack_request, "webhook": webhook_request}
