"""JWT mechanics of the seed-000 surface: where tokens travel, how they are issued and rotated.

Browsers carry two HttpOnly cookies: `access_token` (a short-lived simplejwt access token, sent
everywhere; `auth_token` is read as a fallback) and `refresh_token` (sent only to `/api/auth/`).
Refresh tokens rotate: each is good for one refresh, then it is blacklisted.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import update_last_login
from django.db import transaction
from rest_framework import exceptions
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from .same_site import enforce_same_site_write

ACCESS_COOKIE = "access_token"
FALLBACK_COOKIE = "auth_token"
REFRESH_COOKIE = "refresh_token"
REFRESH_COOKIE_PATH = "/api/auth/"
JWT_COOKIE_NAMES = (ACCESS_COOKIE, FALLBACK_COOKIE)


class CookieJWTAuthentication(JWTAuthentication):
    """A simplejwt access token from the Authorization header or, failing that, a cookie.

    A cookie-authenticated write must pass the same-site check (a header cannot be forged).
    """

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


def set_token_cookies(response, *, access: str, refresh: str) -> None:
    common = {"httponly": True, "secure": settings.JWT_COOKIE_SECURE, "samesite": settings.JWT_COOKIE_SAMESITE}
    access_age = int(jwt_settings.ACCESS_TOKEN_LIFETIME.total_seconds())
    refresh_age = int(jwt_settings.REFRESH_TOKEN_LIFETIME.total_seconds())
    response.set_cookie(ACCESS_COOKIE, access, max_age=access_age, path="/", **common)
    response.set_cookie(REFRESH_COOKIE, refresh, max_age=refresh_age, path=REFRESH_COOKIE_PATH, **common)


def clear_token_cookies(response) -> None:
    samesite = settings.JWT_COOKIE_SAMESITE
    response.delete_cookie(ACCESS_COOKIE, path="/", samesite=samesite)
    response.delete_cookie(FALLBACK_COOKIE, path="/", samesite=samesite)
    response.delete_cookie(REFRESH_COOKIE, path=REFRESH_COOKIE_PATH, samesite=samesite)


def issue_tokens(user) -> tuple[str, str]:
    refresh = RefreshToken.for_user(user)
    if jwt_settings.UPDATE_LAST_LOGIN:
        update_last_login(None, user)
    return str(refresh.access_token), str(refresh)


def token_user(token: RefreshToken):
    """The token's user, or None when the account is gone."""
    user_id = token.payload.get(jwt_settings.USER_ID_CLAIM)
    return get_user_model().objects.filter(**{jwt_settings.USER_ID_FIELD: user_id}).first()


def blacklist_once(token: RefreshToken, user) -> bool:
    """Blacklist a refresh token; False when it already was (another request used it first)."""
    outstanding, _ = OutstandingToken.objects.get_or_create(
        jti=token[jwt_settings.JTI_CLAIM],
        defaults={"user": user, "token": str(token), "expires_at": datetime_from_epoch(token["exp"])},
    )
    _, created = BlacklistedToken.objects.get_or_create(token=outstanding)
    return created


@transaction.atomic
def rotate(raw_refresh: str) -> tuple[str, str]:
    """A new (access, refresh) pair for a valid, unused refresh token of an active user."""
    try:
        token = RefreshToken(raw_refresh)  # signature, expiry and blacklist
    except TokenError:
        raise exceptions.AuthenticationFailed("Not authenticated")
    user = token_user(token)
    if user is None or not user.is_active or not blacklist_once(token, user):
        raise exceptions.AuthenticationFailed("Not authenticated")
    return issue_tokens(user)


def revoke(raw_refresh: str) -> None:
    """Blacklist a refresh token at logout; one already expired or revoked needs nothing more."""
    try:
        token = RefreshToken(raw_refresh)
        with transaction.atomic():
            blacklist_once(token, token_user(token))
    except TokenError:
        pass
