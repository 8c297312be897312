"""JWT mechanics of the seed-000 surface: where tokens travel, how they are issued and rotated.

Browsers carry two HttpOnly cookies: `access_token` (a short-lived simplejwt access token, sent
everywhere; `auth_token` is read as a fallback) and `refresh_token` (sent only to `/api/auth/`).
Refresh tokens rotate: each is good for one refresh, then it is blacklisted.

Every token carries the user's `token_version` (claim `ver`); a token of an older version is
refused, so bumping the version (a password change, "log out everywhere") ends every token at
once, checked on the user row the authentication loads anyway. A browser that signed in through
a page also has a session marked `RENEWS_JWT_SESSION_KEY`: while that session is valid, a
missing, expired or outdated access cookie is replaced on the next API call instead of a 401.
"""

from typing import NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import update_last_login
from django.db import transaction
from rest_framework import exceptions
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from .same_site import enforce_same_site_write

ACCESS_COOKIE = "access_token"
FALLBACK_COOKIE = "auth_token"
REFRESH_COOKIE = "refresh_token"
REFRESH_COOKIE_PATH = "/api/auth/"
JWT_COOKIE_NAMES = (ACCESS_COOKIE, FALLBACK_COOKIE)
VERSION_CLAIM = "ver"
# Set in a session by a page sign-in that also issued the JWT cookies.
RENEWS_JWT_SESSION_KEY = "signin.renews_jwt"
# Where the cookie authentication leaves a renewed access token for the response (SurfaceView).
RENEWED_ACCESS_ATTR = "renewed_access_token"


class Tokens(NamedTuple):
    access: str
    refresh: str
    refresh_jti: str


def token_version(user) -> int:
    return getattr(user, "token_version", 0)


def version_matches(token, user) -> bool:
    """Tokens issued before the version claim existed count as version 0."""
    return token.get(VERSION_CLAIM, 0) == token_version(user)


class CookieJWTAuthentication(JWTAuthentication):
    """A simplejwt access token from the Authorization header or, failing that, a cookie.

    A cookie-authenticated write must pass the same-site check (a header cannot be forged).
    Subclasses say which claims a renewed access token carries (`renewal_claims`).
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
                try:
                    validated = self.get_validated_token(raw_token.encode())
                    user = self.get_user(validated)
                except (InvalidToken, exceptions.AuthenticationFailed):
                    renewed = self.renew_from_session(request)
                    if renewed is None:
                        raise
                    return renewed
                enforce_same_site_write(request)
                return user, validated
        return self.renew_from_session(request)

    def get_user(self, validated_token):
        user = super().get_user(validated_token)
        if not version_matches(validated_token, user):
            raise exceptions.AuthenticationFailed("Not authenticated", code="token_version")
        return user

    def renew_from_session(self, request):
        """(user, new access token) for a page-signed-in session, or None.

        The session is Django's (its auth hash includes the token version, so a session ended by
        a password change renews nothing). The new token leaves in the response's cookie.
        """
        django_request = request._request
        session = getattr(django_request, "session", None)
        if session is None or not session.get(RENEWS_JWT_SESSION_KEY):
            return None
        user = getattr(django_request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        enforce_same_site_write(request)
        token = access_token_for(user, claims=self.renewal_claims(django_request, user))
        setattr(django_request, RENEWED_ACCESS_ATTR, str(token))
        return user, token

    def renewal_claims(self, request, user) -> dict:
        return {}


def _cookie_options() -> dict:
    return {"httponly": True, "secure": settings.JWT_COOKIE_SECURE, "samesite": settings.JWT_COOKIE_SAMESITE}


def set_access_cookie(response, access: str) -> None:
    access_age = int(jwt_settings.ACCESS_TOKEN_LIFETIME.total_seconds())
    response.set_cookie(ACCESS_COOKIE, access, max_age=access_age, path="/", **_cookie_options())


def set_token_cookies(response, *, access: str, refresh: str) -> None:
    refresh_age = int(jwt_settings.REFRESH_TOKEN_LIFETIME.total_seconds())
    set_access_cookie(response, access)
    response.set_cookie(REFRESH_COOKIE, refresh, max_age=refresh_age, path=REFRESH_COOKIE_PATH, **_cookie_options())


def clear_token_cookies(response) -> None:
    samesite = settings.JWT_COOKIE_SAMESITE
    response.delete_cookie(ACCESS_COOKIE, path="/", samesite=samesite)
    response.delete_cookie(FALLBACK_COOKIE, path="/", samesite=samesite)
    response.delete_cookie(REFRESH_COOKIE, path=REFRESH_COOKIE_PATH, samesite=samesite)


def access_token_for(user, *, claims: dict | None = None) -> AccessToken:
    """An access token alone (no refresh token, nothing stored): the session renewal's."""
    token = AccessToken.for_user(user)
    token[VERSION_CLAIM] = token_version(user)
    for name, value in (claims or {}).items():
        token[name] = value
    return token


def issue_tokens(user, *, claims: dict | None = None) -> Tokens:
    """A new (access, refresh) pair of the user's current version; `claims` go into both."""
    refresh = RefreshToken.for_user(user)
    refresh[VERSION_CLAIM] = token_version(user)
    for name, value in (claims or {}).items():
        refresh[name] = value
    if jwt_settings.UPDATE_LAST_LOGIN:
        update_last_login(None, user)
    return Tokens(str(refresh.access_token), str(refresh), refresh[jwt_settings.JTI_CLAIM])


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


def blacklist_jti(jti: str) -> None:
    """Blacklist an outstanding refresh token known only by its id (a session's, at logout)."""
    outstanding = OutstandingToken.objects.filter(jti=jti).first()
    if outstanding is not None:
        BlacklistedToken.objects.get_or_create(token=outstanding)


@transaction.atomic
def rotate(raw_refresh: str, *, carry: tuple[str, ...] = ()) -> tuple[Tokens, object]:
    """A new pair for a valid, unused refresh token of an active user of the token's version,
    and that user. The `carry` claims pass from the old token to the new pair."""
    try:
        token = RefreshToken(raw_refresh)  # signature, expiry and blacklist
    except TokenError:
        raise exceptions.AuthenticationFailed("Not authenticated")
    user = token_user(token)
    # A token of an older version is never good again, blacklisted or not.
    if user is None or not user.is_active or not version_matches(token, user):
        raise exceptions.AuthenticationFailed("Not authenticated")
    if not blacklist_once(token, user):
        raise exceptions.AuthenticationFailed("Not authenticated")
    claims = {name: token[name] for name in carry if name in token}
    return issue_tokens(user, claims=claims), user


def revoke(raw_refresh: str) -> None:
    """Blacklist a refresh token at logout; one already expired or revoked needs nothing more."""
    try:
        token = RefreshToken(raw_refresh)
        with transaction.atomic():
            blacklist_once(token, token_user(token))
    except TokenError:
        pass
