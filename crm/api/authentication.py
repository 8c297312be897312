"""Authentication of the two REST surfaces, and their OpenAPI security schemes.

Seed 000 (JWT): `Authorization: Bearer <jwt>`, then the `access_token` cookie, then the
`auth_token` cookie (core.api.jwt, with the same-site write check), then a logged-in session
(with Django's CSRF check). Seed 002 (API keys): `Authorization: Bearer pk_...`.
"""

from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework_simplejwt.tokens import Token

from core.api.jwt import CookieJWTAuthentication
from crm import selectors, services
from crm.security import sessions


class _UsersWithCreator:
    """simplejwt finds the user through `user_model.objects`: load the creator in the same query."""

    def __init__(self, model):
        self.objects = model.objects.select_related("creator")
        self.DoesNotExist = model.DoesNotExist


class JWTCookieAuthentication(CookieJWTAuthentication):
    """A JWT from the header or a cookie; the user comes with their creator (one query, which
    also carries the token version checked against the token's). A page-signed-in browser's
    expired access cookie is renewed for the session's active creator."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user_model = _UsersWithCreator(self.user_model)

    def renewal_claims(self, request, user) -> dict:
        return sessions.acting_claims(request, user)


def acting_creator(request):
    """The creator a request to the creator APIs acts for.

    A token that names its creator (`creator_id`, set from the session's active creator at page
    sign-in, crm.security.sessions.active_creator) acts for that one, and only while the user may
    act for it; otherwise the user's own creator. Today a user has at most one creator, so a
    claim naming another is refused; with memberships this is where they are checked.
    """
    creator = getattr(request.user, "creator", None)
    claimed = request.auth.get(sessions.ACTING_CREATOR_CLAIM) if isinstance(request.auth, Token) else None
    if claimed is not None and (creator is None or creator.pk != claimed):
        raise exceptions.PermissionDenied()
    return creator


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
