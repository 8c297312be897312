"""Authentication for the two REST surfaces.

Seed 000 (JWT): `Authorization: Bearer <jwt>`, then the `access_token` cookie, then the
`auth_token` cookie, then a logged-in session (with Django's CSRF check). A cookie is sent by
the browser on its own, so a cookie-authenticated write must also prove it was not forged
cross-site (see `enforce_same_site_write`).

Seed 002 (API keys): `Authorization: Bearer pk_...`.
"""

from urllib.parse import urlsplit

from django.conf import settings
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework_simplejwt.authentication import JWTAuthentication

from crm import selectors, services

JWT_COOKIE_NAMES = ("access_token", "auth_token")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The only content types a cross-site page can send without a CORS preflight.
CORS_SIMPLE_CONTENT_TYPES = frozenset(
    {"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}
)


def _origin_is_ours(request, origin: str) -> bool:
    parts = urlsplit(origin)
    if not parts.scheme or not parts.netloc:
        return False
    if parts.netloc == request.get_host() and parts.scheme == request.scheme:
        return True
    return origin in settings.CSRF_TRUSTED_ORIGINS


def enforce_same_site_write(request) -> None:
    """Refuse a cookie-authenticated write that a cross-site page could have sent.

    - A browser marks cross-site requests with `Sec-Fetch-Site: cross-site` and a foreign
      `Origin`; either refuses the write.
    - A cross-site page can only send a form-like body without a preflight (which we never
      grant), so a cookie-authenticated write must not carry one: the seed's
      `fetch(..., {credentials: 'include', headers: {'Content-Type': 'application/json'}})`
      passes, an HTML form post does not.
    """
    if request.method in SAFE_METHODS:
        return
    if request.META.get("HTTP_SEC_FETCH_SITE", "") == "cross-site":
        raise exceptions.PermissionDenied("Cross-site request refused")
    origin = request.META.get("HTTP_ORIGIN")
    if origin is not None and not _origin_is_ours(request, origin):
        raise exceptions.PermissionDenied("Cross-site request refused")
    content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    if content_type in CORS_SIMPLE_CONTENT_TYPES:
        raise exceptions.PermissionDenied("Cookie-authenticated writes must send JSON")


class _UsersWithCreator:
    """simplejwt finds the user through `user_model.objects`: load the creator in the same query."""

    def __init__(self, model):
        self.objects = model.objects.select_related("creator")
        self.DoesNotExist = model.DoesNotExist


class JWTCookieAuthentication(JWTAuthentication):
    """A simplejwt access token from the Authorization header or, failing that, a cookie."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user_model = _UsersWithCreator(self.user_model)

    def authenticate(self, request):
        header = self.get_header(request)
        if header is not None:
            raw_token = self.get_raw_token(header)
            if raw_token is None:
                raise exceptions.AuthenticationFailed("Not authenticated")
            validated = self.get_validated_token(raw_token)
            return self.get_user(validated), validated
        for name in JWT_COOKIE_NAMES:
            raw_token = request.COOKIES.get(name)
            if raw_token:
                validated = self.get_validated_token(raw_token.encode())
                user = self.get_user(validated)
                enforce_same_site_write(request)
                return user, validated
        return None


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
