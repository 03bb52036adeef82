import logging

from django.conf import settings
from rest_framework.authtoken.models import Token
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)


class TokenRateThrottle(SimpleRateThrottle):
    """API_THROTTLE_RATE requests per API token (per user for a browser session).

    The rate is read from settings on every request, so it can be changed
    without touching DRF's class-level copy of its settings.
    """

    scope = "api"

    def get_rate(self):
        return settings.API_THROTTLE_RATE

    def get_cache_key(self, request, view):
        if isinstance(request.auth, Token):
            ident = f"token:{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view):
        # The counter lives in Redis; when Redis is down, serving unthrottled
        # beats answering every reader with a 500.
        try:
            return super().allow_request(request, view)
        except Exception:
            logger.warning("API throttle cache unavailable; request let through", exc_info=True)
            return True
