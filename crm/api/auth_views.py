"""Authentication of the seed-000 surface (`/api/auth/...`).

Browsers log in once and then carry two HttpOnly cookies: `access_token` (a short-lived
simplejwt access token, sent everywhere) and `refresh_token` (sent only to `/api/auth/`).
Clients that prefer `Authorization: Bearer` get both tokens in the body from `/api/auth/token`.
Refresh tokens rotate: each is good for one refresh, then it is blacklisted.
"""

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth import logout as session_logout
from django.contrib.auth.models import update_last_login
from django.db import transaction
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from crm import ratelimit
from crm.exceptions import ApplicationError

from .authentication import enforce_same_site_write
from .base import PublicCrmView
from .crm_schema import ERROR, errors
from .crm_views import SafeJSONParser
from .errors import RateLimited
from .fields import StrictCharField

ACCESS_COOKIE = "access_token"
REFRESH_COOKIE = "refresh_token"
FALLBACK_COOKIE = "auth_token"
REFRESH_COOKIE_PATH = "/api/auth/"
LOGIN_GROUP = "crm-auth-login"
LOGIN_ACCOUNT_GROUP = "crm-auth-login-account"


class InvalidCredentials(ApplicationError):
    status_code = 401


def login_rate() -> str:
    return settings.LOGIN_RATE_LIMIT


class LoginSerializer(serializers.Serializer):
    # Either one; the other may be absent, null or blank.
    email = StrictCharField(required=False, allow_blank=True, allow_null=True, max_length=254)
    username = StrictCharField(required=False, allow_blank=True, allow_null=True, max_length=150)
    password = StrictCharField(max_length=4096, trim_whitespace=False)

    def validate(self, attrs):
        if not (attrs.get("email") or attrs.get("username")):
            raise serializers.ValidationError({"email": ["This field is required."]}, code="required")
        return attrs


def user_payload(user) -> dict:
    creator = getattr(user, "creator", None)
    return {
        "id": user.pk,
        "email": user.email,
        "username": user.get_username(),
        "creator": None
        if creator is None
        else {"id": creator.pk, "slug": creator.slug, "display_name": creator.display_name},
    }


USER = inline_serializer(
    "CrmUser",
    fields={
        "id": serializers.IntegerField(),
        "email": serializers.CharField(),
        "username": serializers.CharField(),
        "creator": inline_serializer(
            "CrmUserCreator",
            fields={
                "id": serializers.IntegerField(),
                "slug": serializers.CharField(),
                "display_name": serializers.CharField(),
            },
            allow_null=True,
        ),
    },
)
TOKENS = inline_serializer("CrmTokens", fields={"access": serializers.CharField(), "refresh": serializers.CharField()})


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


def _token_user(token: RefreshToken):
    """The token's user, or None when the account is gone."""
    user_id = token.payload.get(jwt_settings.USER_ID_CLAIM)
    return get_user_model().objects.filter(**{jwt_settings.USER_ID_FIELD: user_id}).first()


def _blacklist_once(token: RefreshToken, user) -> bool:
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
    user = _token_user(token)
    if user is None or not user.is_active or not _blacklist_once(token, user):
        raise exceptions.AuthenticationFailed("Not authenticated")
    return issue_tokens(user)


class AuthView(PublicCrmView):
    parser_classes = [SafeJSONParser]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # These endpoints set or rotate cookies: a cross-site form must not drive them (login CSRF).
        enforce_same_site_write(request)

    def body(self) -> dict:
        data = self.request.data
        if not isinstance(data, dict):
            raise exceptions.ParseError("Invalid JSON")
        return data


class CredentialsView(AuthView):
    """Check email/username + password under the per-address and per-account budgets."""

    def check_credentials(self, request):
        address = ratelimit.per_address(request, group=LOGIN_GROUP, rate=login_rate())
        if address.exceeded:
            raise RateLimited(address)
        serializer = LoginSerializer(data=self.body())
        serializer.is_valid(raise_exception=True)
        identifier = serializer.validated_data.get("email") or serializer.validated_data["username"]
        account_key = ratelimit.account_key(identifier)
        account = ratelimit.peek(request, group=LOGIN_ACCOUNT_GROUP, key=account_key, rate=login_rate())
        if account.exceeded:
            raise RateLimited(account)
        user = authenticate(request._request, username=identifier, password=serializer.validated_data["password"])
        if user is None:
            # Only failures count per account, so nobody can lock a user out by logging in as them.
            ratelimit.per_account(request, group=LOGIN_ACCOUNT_GROUP, account=identifier, rate=login_rate())
            raise InvalidCredentials("Invalid credentials")
        return user


class LoginView(CredentialsView):
    @extend_schema(
        operation_id="crm_auth_login",
        summary="Log in; sets the access_token and refresh_token cookies",
        request=LoginSerializer,
        responses={200: inline_serializer("CrmLogin", fields={"user": USER}), 401: ERROR, **errors(400, 403, 429)},
        auth=[],
    )
    def post(self, request):
        user = self.check_credentials(request)
        access, refresh = issue_tokens(user)
        response = Response({"user": user_payload(user)})
        set_token_cookies(response, access=access, refresh=refresh)
        return response


class TokenView(CredentialsView):
    @extend_schema(
        operation_id="crm_auth_token",
        summary="Tokens in the body, for clients that send Authorization: Bearer",
        request=LoginSerializer,
        responses={200: TOKENS, 401: ERROR, **errors(400, 403, 429)},
        auth=[],
    )
    def post(self, request):
        access, refresh = issue_tokens(self.check_credentials(request))
        return Response({"access": access, "refresh": refresh})


class RefreshView(AuthView):
    @extend_schema(
        operation_id="crm_auth_refresh",
        summary="Rotate tokens",
        description="From the refresh_token cookie (new cookies, body {\"success\": true}) or from "
        "{\"refresh\": ...} in the body (new tokens in the body). The old refresh token stops working.",
        request=inline_serializer("CrmRefresh", fields={"refresh": serializers.CharField(required=False)}),
        responses={200: TOKENS, 401: ERROR, 403: ERROR},
        auth=[],
    )
    def post(self, request):
        raw = self.body().get("refresh")
        if raw is not None:
            if not isinstance(raw, str) or not raw:
                raise exceptions.AuthenticationFailed("Not authenticated")
            access, refresh = rotate(raw)
            return Response({"access": access, "refresh": refresh})
        raw = request.COOKIES.get(REFRESH_COOKIE)
        if not raw:
            raise exceptions.NotAuthenticated()
        access, refresh = rotate(raw)
        response = Response({"success": True})
        set_token_cookies(response, access=access, refresh=refresh)
        return response


class LogoutView(AuthView):
    @extend_schema(
        operation_id="crm_auth_logout",
        summary="Blacklist the refresh token and clear the cookies (and the session)",
        request=None,
        responses={204: None, 403: ERROR},
        auth=[],
    )
    def post(self, request):
        body = self.body()
        raw = body.get("refresh") if isinstance(body.get("refresh"), str) else request.COOKIES.get(REFRESH_COOKIE)
        if raw:
            try:
                token = RefreshToken(raw)
                with transaction.atomic():
                    _blacklist_once(token, _token_user(token))
            except TokenError:
                pass  # expired or already revoked: nothing left to invalidate
        session_logout(request._request)
        response = Response(status=status.HTTP_204_NO_CONTENT)
        clear_token_cookies(response)
        return response
