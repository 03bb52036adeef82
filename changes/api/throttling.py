import contextlib
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from changes.models import ApiTokenRate

logger = logging.getLogger(__name__)


class TokenRateThrottle(BaseThrottle):
    """At most API_THROTTLE_RATE requests per API token (per user for a browser session).

    A fixed-window counter in the shared cache: one small key per token and
    window, so each request costs an add and an increment. (DRF's own throttles
    keep a list of every request's time in the window and re-store it on each
    request: with "1000/hour" that is a thousand-entry list per call.) A client
    may squeeze up to twice the rate across a window boundary, which is fine
    for keeping a runaway script from hogging the service.

    The rate is read from settings on every request, so tests and deployments
    can change it without touching DRF's class-level copy of its settings.
    """

    # After the cache failed, requests are let through without asking it for this long: a hung Redis
    # would otherwise cost every request its timeout.
    CACHE_PAUSE_SECONDS = 30
    _cache_paused_until = 0.0

    def allow_request(self, request, view):
        if time.monotonic() < TokenRateThrottle._cache_paused_until:
            return True
        try:
            window = window_count(f"throttle:api:{self._ident(request)}", rate=self._rate(request))
        except Exception:
            # The counter lives in Redis; when Redis is down, serving unthrottled
            # beats answering every reader with a 500.
            logger.warning("API throttle cache unavailable; requests let through for a while", exc_info=True)
            TokenRateThrottle._cache_paused_until = time.monotonic() + self.CACHE_PAUSE_SECONDS
            return True
        self.seconds_left = window.seconds_left
        request.throttle_key = window.key  # for throttle_refund
        return window.count <= window.limit

    def wait(self):
        return self.seconds_left

    def _rate(self, request) -> str:
        """The token's own rate when staff set one (ApiTokenRate, in the admin), else API_THROTTLE_RATE."""
        if isinstance(request.auth, Token):
            try:
                return request.auth.rate.rate  # fetched with the token (changes/api/authentication.py)
            except ApiTokenRate.DoesNotExist:
                pass
        return settings.API_THROTTLE_RATE

    def _ident(self, request) -> str:
        if isinstance(request.auth, Token):
            return f"token:{request.auth.pk}"
        if request.user and request.user.is_authenticated:
            return f"user:{request.user.pk}"
        return f"ip:{client_address(request)}"


@dataclass(frozen=True)
class Window:
    key: str
    count: int  # requests counted in this window, the current one included
    limit: int
    seconds_left: float


def window_count(prefix: str, *, rate: str) -> Window:
    """Count one more request under `prefix` in the current fixed window of `rate` ("N/period").

    A small key per window in the shared cache: an add and an increment. Raises what the cache raises.
    """
    limit, period = SimpleRateThrottle.parse_rate(None, rate)
    now = time.time()
    window = int(now // period)
    key = f"{prefix}:{window}"
    cache.add(key, 0, timeout=period + 5)
    return Window(key=key, count=cache.incr(key), limit=limit, seconds_left=(window + 1) * period - now)


def throttle_refund(request) -> None:
    """Take back what this request counted: a 304 revalidation costs the service a cheap aggregate, so a
    consumer polling with If-None-Match is never refused for it."""
    key = getattr(request, "throttle_key", None)
    if key:
        with contextlib.suppress(Exception):  # gone, or Redis away: nothing to take back
            cache.decr(key)


def client_address(request) -> str:
    """The address a request came from, as DRF's throttles read it (REMOTE_ADDR, or X-Forwarded-For
    behind as many proxies as NUM_PROXIES says)."""
    return BaseThrottle().get_ident(request)
