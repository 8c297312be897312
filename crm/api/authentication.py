"""Authentication of the two REST surfaces, and their OpenAPI security schemes.

Seed 000 (JWT): `Authorization: Bearer <jwt>`, then the `access_token` cookie, then the
`auth_token` cookie (core.api.jwt, with the same-site write check), then a logged-in session
(with Django's CSRF check). Seed 002 (API keys): `Authorization: Bearer pk_...`.
"""

from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication

from core.api.jwt import CookieJWTAuthentication
from crm import selectors, services


class _UsersWithCreator:
    """simplejwt finds the user through `user_model.objects`: load the creator in the same query."""

    def __init__(self, model):
        self.objects = model.objects.select_related("creator")
        self.DoesNotExist = model.DoesNotExist


class JWTCookieAuthentication(CookieJWTAuthentication):
    """A JWT from the header or a cookie; the user comes with their creator (one query)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user_model = _UsersWithCreator(self.user_model)


class CsrfSessionAuthentication(SessionAuthentication):
    """A logged-in browser session; DRF enforces Django's CSRF token for its writes."""


class ApiKeyAuthentication(BaseAuthentication):
    """`Authorization: Bearer pk_...` for /api/v1; the key's creator's user is the request user."""

    def authenticate(self, request):
        parts = request.META.get("HTTP_AUTHORIZATION", "").split()
        if len(parts) != 2 or parts[0].lower() != "bearer":
            raise exceptions.AuthenticationFailed("Missing or invalid authorization header")
        raw_key = parts[1]
        if not raw_key.startswith(services.API_KEY_PREFIX):
            raise exceptions.AuthenticationFailed("Invalid API key format")
        api_key = selectors.api_key_active_by_raw(raw_key)
        # A deactivated account's keys stop working with it.
        if api_key is None or not api_key.creator.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid API key")
        services.api_key_touch(api_key=api_key)
        return api_key.creator.user, api_key

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class JWTCookieScheme(OpenApiAuthenticationExtension):
    """The seed's `access_token` cookie (and `auth_token` fallback, `Authorization: Bearer`)."""

    target_class = JWTCookieAuthentication
    name = ["jwtCookie", "jwtBearer"]

    def get_security_definition(self, auto_schema):
        return [
            {"type": "apiKey", "in": "cookie", "name": "access_token"},
            {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
        ]


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """The seed-002 surface's `Authorization: Bearer pk_...` keys."""

    target_class = ApiKeyAuthentication
    name = "apiKeyBearer"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "pk_ API key"}


class CsrfSessionScheme(SessionScheme):
    target_class = CsrfSessionAuthentication
