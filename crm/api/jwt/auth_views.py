"""Authentication of the seed-000 surface (`/api/auth/...`).

Browsers log in once and then carry the JWT cookies (core.api.jwt). Clients that prefer
`Authorization: Bearer` get both tokens in the body from `/api/auth/token`.
"""

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from core.api import jwt
from core.api.errors import RateLimited
from core.api.fields import StrictCharField
from core.api.parsers import SafeJSONParser
from core.api.same_site import enforce_same_site_write
from core.api.schema import ERROR, errors
from core.api.views import PublicCrmView
from core.exceptions import ApplicationError
from crm.choices import SignInSurface
from crm.security import guard, sessions, two_factor
from crm.teams import services as team_services


class InvalidCredentials(ApplicationError):
    status_code = 401


class LoginSerializer(serializers.Serializer):
    # Either one; the other may be absent, null or blank.
    email = StrictCharField(required=False, allow_blank=True, allow_null=True, max_length=254)
    username = StrictCharField(required=False, allow_blank=True, allow_null=True, max_length=150)
    password = StrictCharField(max_length=4096, trim_whitespace=False)
    # Accounts with two-factor sign-in: the current TOTP code or a recovery code.
    otp = StrictCharField(required=False, allow_blank=True, allow_null=True, max_length=64)

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
    """Check email/username + password (and the second factor) under the sign-in budgets
    (crm.security.guard): every attempt per address, failures per account."""

    def check_credentials(self, request):
        django_request = request._request
        try:
            guard.spend_address(django_request, surface=SignInSurface.API)
        except guard.SignInThrottled as exc:
            raise RateLimited(exc.usage)
        serializer = LoginSerializer(data=self.body())
        serializer.is_valid(raise_exception=True)
        identifier = serializer.validated_data.get("email") or serializer.validated_data["username"]
        known = guard.find_user(identifier)
        try:
            guard.check_account(django_request, surface=SignInSurface.API, user=known, identifier=identifier)
        except guard.SignInThrottled as exc:
            raise RateLimited(exc.usage)
        user = authenticate(django_request, username=identifier, password=serializer.validated_data["password"])
        if user is None:
            # Only failures count per account, so nobody can lock a user out by logging in as them.
            guard.sign_in_failed(django_request, surface=SignInSurface.API, identifier=identifier, user=known)
            raise InvalidCredentials("Invalid credentials")
        two_factor.require_second_factor(django_request, user, serializer.validated_data.get("otp"))
        guard.sign_in_succeeded(django_request, surface=SignInSurface.API, user=user)
        team_services.member_signed_in(user=user)  # in the audit log of every creator they work for
        return user

    def tokens_for(self, user) -> jwt.Tokens:
        return jwt.issue_tokens(user, claims=sessions.acting_claims(self.request._request, user))


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
        tokens = self.tokens_for(user)
        response = Response({"user": user_payload(user)})
        jwt.set_token_cookies(response, access=tokens.access, refresh=tokens.refresh)
        guard.remember_device(request._request, response, user)
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
        tokens = self.tokens_for(self.check_credentials(request))
        return Response({"access": tokens.access, "refresh": tokens.refresh})


# A rotated pair acts for the same creator as the pair it replaces.
CARRIED_CLAIMS = (sessions.ACTING_CREATOR_CLAIM,)


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
            tokens, _user = jwt.rotate(raw, carry=CARRIED_CLAIMS)
            return Response({"access": tokens.access, "refresh": tokens.refresh})
        raw = request.COOKIES.get(jwt.REFRESH_COOKIE)
        if not raw:
            raise exceptions.NotAuthenticated()
        tokens, user = jwt.rotate(raw, carry=CARRIED_CLAIMS)
        sessions.session_refresh_rotated(request._request, user, tokens)
        response = Response({"success": True})
        jwt.set_token_cookies(response, access=tokens.access, refresh=tokens.refresh)
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
        response = Response(status=status.HTTP_204_NO_CONTENT)
        sessions.session_sign_out(request._request, response)
        return response
