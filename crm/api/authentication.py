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
from core.exceptions import InvalidInput, NotFound
from crm import selectors, services
from crm.choices import Role
from crm.models import ApiKey
from crm.security import sessions
from crm.teams import acting
from crm.teams.policy import Member


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


CREATOR_HEADER = "HTTP_X_CREATOR"


def acting_member(request) -> Member:
    """Who a request to the creator APIs acts as (crm.teams.acting has the order).

    An API key acts as the owner of its creator. A JWT or session user: the `X-Creator` header
    (404 `Creator not found` when not an active member), else the token's `creator_id` claim or
    the session's active creator (403 once the user has left it), else their own creator, else
    their only membership; several memberships and no own creator: 400 `X-Creator is required`.
    """
    user = request.user
    if isinstance(request.auth, ApiKey):
        return Member(creator=request.auth.creator, user=user, role=Role.OWNER, api_key=request.auth)
    header = request.META.get(CREATOR_HEADER, "").strip()
    if header:
        member = acting.member_for(user, header)
        if member is None:
            raise NotFound("Creator not found")
        return member
    claimed = request.auth.get(sessions.ACTING_CREATOR_CLAIM) if isinstance(request.auth, Token) else None
    if claimed is None and request.auth is None:  # a session client: the session's choice
        session = getattr(request._request, "session", None)
        claimed = session.get(acting.SESSION_KEY) if session is not None else None
    if claimed is not None:
        member = acting.member_for(user, claimed)
        if member is None:  # a creator they have left (or a forged claim)
            raise exceptions.PermissionDenied()
        return member
    member, count = acting.default_member(user, limit=2)
    if member is None:
        raise exceptions.PermissionDenied()
    if count > 1:
        raise InvalidInput("X-Creator is required", field="X-Creator")
    return member


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
