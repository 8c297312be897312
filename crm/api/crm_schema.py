"""OpenAPI annotations shared by the seed-000 views: envelopes, errors, list parameters."""

from functools import cache

from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

ERROR = inline_serializer("CrmError", fields={"error": serializers.CharField()})


@cache  # one component per name: spectacular refuses two different classes with one name
def envelope(name: str, key: str, item, *, many: bool = False):
    """`{"<key>": item}` or, for lists, `{"<key>": [item...], "next_cursor": ...}`."""
    fields = {key: item(many=True) if many else item()}
    if many:
        fields["next_cursor"] = serializers.CharField(
            allow_null=True, help_text="Pass as `cursor` for the next page; null on the last page"
        )
    return inline_serializer(name, fields=fields)


ERROR_DESCRIPTIONS = {
    400: "Invalid input (`<field> is required`, `Invalid <field>`, `Invalid JSON`)",
    401: "Not authenticated",
    403: "Forbidden (not a creator, or a cross-site cookie write)",
    404: "Not found in the caller's data",
    409: "Already exists",
    413: "Request body too large",
    429: "Rate limit exceeded (see Retry-After)",
}


def errors(*statuses: int, body=ERROR, descriptions=ERROR_DESCRIPTIONS) -> dict:
    """Error responses; `body` and `descriptions` are the surface's (seed 002 passes its own)."""
    return {s: OpenApiResponse(body, description=descriptions[s]) for s in statuses}


def list_parameters(filterset_class, orderings: dict, default: str) -> list[OpenApiParameter]:
    params = [
        OpenApiParameter(name, OpenApiTypes.STR, description=f"Filter: {getattr(f, 'label', '') or name}")
        for name, f in filterset_class.base_filters.items()
    ] if filterset_class else []
    return [
        *params,
        OpenApiParameter("ordering", OpenApiTypes.STR, enum=list(orderings), description=f"Default {default}"),
        OpenApiParameter("limit", OpenApiTypes.INT, description="1–1000, default 1000"),
        OpenApiParameter("cursor", OpenApiTypes.STR, description="next_cursor of the previous page"),
    ]


WRITE_HEADERS_DOC = "Every write answers with X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset."


class JWTCookieScheme(OpenApiAuthenticationExtension):
    """The seed's `access_token` cookie (and `auth_token` fallback, `Authorization: Bearer`)."""

    target_class = "crm.api.authentication.JWTCookieAuthentication"
    name = ["jwtCookie", "jwtBearer"]

    def get_security_definition(self, auto_schema):
        return [
            {"type": "apiKey", "in": "cookie", "name": "access_token"},
            {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
        ]


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """The seed-002 surface's `Authorization: Bearer pk_...` keys."""

    target_class = "crm.api.authentication.ApiKeyAuthentication"
    name = "apiKeyBearer"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "pk_ API key"}


class CsrfSessionScheme(SessionScheme):
    target_class = "crm.api.authentication.CsrfSessionAuthentication"
