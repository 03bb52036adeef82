"""Token authentication that cannot be used to guess keys at machine speed."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from changes.api.throttling import client_address, window_count


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's `Authorization: Token <key>`, with failures counted per address (API_BAD_TOKEN_RATE).

    Past the rate, a request with a wrong key is answered 429 with Retry-After before the key is
    even looked up; valid keys are not affected.
    """

    def authenticate_credentials(self, key):
        # With the token's own rate, if staff set one: the throttle reads it without another query.
        token = self.get_model().objects.select_related("user", "rate").filter(key=key).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token

    def authenticate(self, request):
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            self._count_failure(request)
            raise

    def _count_failure(self, request) -> None:
        prefix = f"throttle:bad-token:{client_address(request)}"
        try:
            window = window_count(prefix, rate=settings.API_BAD_TOKEN_RATE)
        except Exception:  # the counter lives in Redis; a Redis away must not turn 401s into 500s
            return
        if window.count > window.limit:
            raise exceptions.Throttled(wait=window.seconds_left)


class TokenScheme(OpenApiAuthenticationExtension):
    """The schema's `tokenAuth`: the header and its `Token` prefix, which OpenAPI's `http` schemes cannot name
    (`bearer` would be another prefix)."""

    target_class = TokenAuthentication
    name = "tokenAuth"
    priority = 1  # over drf-spectacular's own, which matches every TokenAuthentication

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "`Authorization: Token <key>` (`python manage.py drf_create_token <user>` prints a key). Generated "
                "clients default to `Bearer`: build openapi-python-client's `AuthenticatedClient` with "
                '`prefix="Token"`.'
            ),
        }
