"""A small HTTP client for the help desks' REST APIs (Zendesk, Freshdesk), as the live sync uses it.

Temporary failures are retried, permanent ones stop at once:
- `429 Too Many Requests` is waited out for its `Retry-After` (at most
  HELPDESK_RETRY_AFTER_MAX_SECONDS; a help desk asking for longer ends the sync,
  and the next scheduled one starts afresh);
- `5xx`, timeouts and refused connections are tried again after
  HELPDESK_RETRY_BASE_SECONDS, doubling, HELPDESK_MAX_ATTEMPTS times in all;
- any other `4xx` is final: `401` means the credentials are wrong, `403` that the
  account may not read what is asked for.
Giving up raises HelpdeskApiError naming the URL and the status. Credentials are
sent only to the configured address: a pagination link pointing elsewhere is refused.
"""

import email.utils
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin

import requests
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from bulletin.texts.helpdesks.base import origin
from bulletin.texts.models import Helpdesk

# The settings each help desk needs, in the order the message names them.
CREDENTIALS = {
    Helpdesk.ZENDESK: ("ZENDESK_BASE_URL", "ZENDESK_EMAIL", "ZENDESK_API_TOKEN"),
    Helpdesk.FRESHDESK: ("FRESHDESK_BASE_URL", "FRESHDESK_API_KEY"),
}
SYNCED = tuple(CREDENTIALS)


class HelpdeskNotConfigured(Exception):
    """The help desk's address or credentials are not set (or it is not one the live sync reads)."""

    def __init__(self, helpdesk: str):
        self.helpdesk = helpdesk
        super().__init__(helpdesk)

    def __str__(self) -> str:
        names = CREDENTIALS.get(self.helpdesk)
        if names is None:
            return _("The live sync reads %(choices)s, not %(helpdesk)s.") % {
                "choices": ", ".join(SYNCED),
                "helpdesk": self.helpdesk,
            }
        return _("%(helpdesk)s is not configured: set %(names)s.") % {
            "helpdesk": Helpdesk(self.helpdesk).label,
            "names": ", ".join(names),
        }


class HelpdeskApiError(Exception):
    """The help desk did not answer as asked. The message is built when read, in the language then active."""

    def __init__(self, *, url: str, status: int | None = None, reason: str = "", attempts: int = 1):
        self.url, self.status, self.reason, self.attempts = url, status, reason, attempts
        super().__init__(url, status, reason)

    def __str__(self) -> str:
        values = {"url": self.url, "status": self.status, "reason": self.reason, "attempts": self.attempts}
        if self.status == 401:
            return _("The help desk refused the credentials (401) at %(url)s: check the API user and token.") % values
        if self.status == 403:
            return _("The help desk's API user may not read %(url)s (403).") % values
        if self.reason == "retry_after":
            return _("%(url)s answered 429 and asks to wait longer than this sync waits.") % values
        if self.reason == "not_json":
            return _("%(url)s answered %(status)s with something that is not JSON.") % values
        if self.reason == "foreign_link":
            return _("The help desk sent a link to another address, not followed: %(url)s") % values
        if self.status is None:
            return _("%(url)s could not be reached after %(attempts)s attempts (%(reason)s).") % values
        if self.attempts > 1:
            return _("%(url)s answered %(status)s, %(attempts)s attempts in all.") % values
        return _("%(url)s answered %(status)s.") % values


def helpdesk_configured(helpdesk: str) -> bool:
    names = CREDENTIALS.get(helpdesk)
    return names is not None and all(getattr(settings, name, "") for name in names)


@dataclass
class HelpdeskClient:
    """GETs JSON from one help desk with basic auth; counts every request it sends (`requests_made`)."""

    base_url: str
    auth: tuple[str, str]
    timeout: float
    max_attempts: int
    retry_base_seconds: float
    retry_after_max_seconds: float
    sleep: Callable[[float], None] = time.sleep
    requests_made: int = 0

    def __post_init__(self):
        self.base_url = self.base_url.rstrip("/")
        self.session = requests.Session()
        self.session.auth = self.auth
        self.session.headers.update({"Accept": "application/json"})

    def url(self, path_or_url: str) -> str:
        """An absolute URL on this help desk; a link to any other address raises HelpdeskApiError."""
        url = urljoin(self.base_url + "/", path_or_url)
        if origin(url) != origin(self.base_url):
            raise HelpdeskApiError(url=url, reason="foreign_link")
        return url

    def get(self, path_or_url: str, *, params: dict | None = None) -> requests.Response:
        """The first 2xx answer; raises HelpdeskApiError once the failure is final or the attempts are spent."""
        url = self.url(path_or_url)
        for attempt in range(1, self.max_attempts + 1):
            last = attempt == self.max_attempts
            self.requests_made += 1
            try:
                response = self.session.get(url, params=params, timeout=self.timeout, allow_redirects=False)
            except (requests.ConnectionError, requests.Timeout) as error:
                if last:
                    raise HelpdeskApiError(url=url, reason=type(error).__name__, attempts=attempt) from error
                self.sleep(self._backoff(attempt))
                continue
            status = response.status_code
            if status < 300:
                return response
            shown = response.url or url
            if status == 429:
                wait = retry_after_seconds(response.headers.get("Retry-After"))
                wait = self._backoff(attempt) if wait is None else wait
                if wait > self.retry_after_max_seconds:
                    raise HelpdeskApiError(url=shown, status=status, reason="retry_after", attempts=attempt)
                if last:
                    raise HelpdeskApiError(url=shown, status=status, attempts=attempt)
                self.sleep(wait)
            elif status >= 500:
                if last:
                    raise HelpdeskApiError(url=shown, status=status, attempts=attempt)
                self.sleep(self._backoff(attempt))
            else:
                # 3xx included: a help desk redirecting its API (a renamed subdomain) must be configured anew.
                raise HelpdeskApiError(url=shown, status=status, attempts=attempt)
        raise AssertionError("unreachable")  # pragma: no cover - the last attempt returns or raises

    def get_json(self, path_or_url: str, *, params: dict | None = None) -> tuple[object, requests.Response]:
        response = self.get(path_or_url, params=params)
        try:
            return response.json(), response
        except ValueError:
            raise HelpdeskApiError(url=response.url, status=response.status_code, reason="not_json") from None

    def _backoff(self, attempt: int) -> float:
        return self.retry_base_seconds * 2 ** (attempt - 1)


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: a number of seconds or an HTTP date; None when unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - timezone.now()).total_seconds())


def helpdesk_client(helpdesk: str) -> HelpdeskClient:
    """A client for the configured help desk; raises HelpdeskNotConfigured when its settings are missing."""
    if not helpdesk_configured(helpdesk):
        raise HelpdeskNotConfigured(helpdesk)
    if helpdesk == Helpdesk.ZENDESK:
        base_url, auth = settings.ZENDESK_BASE_URL, (f"{settings.ZENDESK_EMAIL}/token", settings.ZENDESK_API_TOKEN)
    else:
        # Freshdesk takes the API key as the user name and ignores the password.
        base_url, auth = settings.FRESHDESK_BASE_URL, (settings.FRESHDESK_API_KEY, "X")
    return HelpdeskClient(
        base_url=base_url,
        auth=auth,
        timeout=settings.HELPDESK_TIMEOUT_SECONDS,
        max_attempts=settings.HELPDESK_MAX_ATTEMPTS,
        retry_base_seconds=settings.HELPDESK_RETRY_BASE_SECONDS,
        retry_after_max_seconds=settings.HELPDESK_RETRY_AFTER_MAX_SECONDS,
    )
