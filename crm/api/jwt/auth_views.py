"""Authentication of the seed-000 surface (`/api/auth/...`).

Browsers log in once and then carry the JWT cookies (core.api.jwt). Clients that prefer
`Authorization: Bearer` get both tokens in the body from `/api/auth/token`.
"""

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth import logout as session_logout
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from core import ratelimit
from core.api import jwt
from core.api.errors import RateLimited
from core.api.fields import StrictCharField
from core.api.parsers import SafeJSONParser
from core.api.same_site import enforce_same_site_write
from core.api.schema import ERROR, errors
from core.api.views import PublicCrmView
from core.exceptions import ApplicationError

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
        access, refresh = jwt.issue_tokens(user)
        response = Response({"user": user_payload(user)})
        jwt.set_token_cookies(response, access=access, refresh=refresh)
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
        access, refresh = jwt.issue_tokens(self.check_credentials(request))
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
            access, refresh = jwt.rotate(raw)
            return Response({"access": access, "refresh": refresh})
        raw = request.COOKIES.get(jwt.REFRESH_COOKIE)
        if not raw:
            raise exceptions.NotAuthenticated()
        access, refresh = jwt.rotate(raw)
        response = Response({"success": True})
        jwt.set_token_cookies(response, access=access, refresh=refresh)
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
        raw = body.get("refresh") if isinstance(body.get("refresh"), str) else request.COOKIES.get(jwt.REFRESH_COOKIE)
        if raw:
            jwt.revoke(raw)
        session_logout(request._request)
        response = Response(status=status.HTTP_204_NO_CONTENT)
        jwt.clear_token_cookies(response)
        return response
