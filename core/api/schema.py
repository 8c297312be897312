"""OpenAPI helpers of both REST surfaces: envelopes, error responses, list and page parameters.

Seed 000 (`/api/crm`, `/api/analytics`, `/api/auth`): `{"<key>": item}` envelopes, `{"error": ...}`.
Seed 002 (`/api/v1`, `/api/contact`): `{"success": true, "data": ...}` envelopes (`pagination`
beside lists) and `{"success": false, "error": ...}`. The views annotate with these; the
authentication schemes are declared next to the authentication classes (crm.api.authentication).
"""

from functools import cache

from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

from .pages import DEFAULT_LIMIT, MAX_LIMIT

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


# --- Seed 002 ----------------------------------------------------------------------------------

V1_ERROR = inline_serializer(
    "V1Error",
    fields={
        "success": serializers.BooleanField(help_text="Always false"),
        "error": serializers.CharField(
            help_text="`<field> is required`, `Invalid <field>`, `Client not found`..."
        ),
    },
)


class V1PaginationSerializer(serializers.Serializer):
    page = serializers.IntegerField()
    limit = serializers.IntegerField()
    total = serializers.IntegerField(help_text="Rows matching the filters, over all pages")
    pages = serializers.IntegerField()


# API keys are no cookies: a seed-002 403 is never a cross-site write.
V1_ERROR_DESCRIPTIONS = {
    **ERROR_DESCRIPTIONS,
    401: "Missing or invalid API key",
    403: "Forbidden (the key's account is not a creator)",
}


def v1_errors(*statuses: int) -> dict:
    """`errors` in the seed-002 error envelope, with the seed-002 descriptions."""
    return errors(*statuses, body=V1_ERROR, descriptions=V1_ERROR_DESCRIPTIONS)


@cache  # one component per name: spectacular refuses two different classes with one name
def v1_envelope(name: str, item=None, *, many: bool = False, paginated: bool = False):
    """`{"success": true, "data": item}`; `data` is a list with `pagination` when `paginated`,
    and null when there is no item (deletes)."""
    fields = {"success": serializers.BooleanField(help_text="Always true")}
    if item is None:
        fields["data"] = serializers.JSONField(allow_null=True, help_text="Always null")
    else:
        fields["data"] = item(many=many or paginated)
    if paginated:
        fields["pagination"] = V1PaginationSerializer()
    return inline_serializer(name, fields=fields)


def page_parameters() -> list[OpenApiParameter]:
    return [
        OpenApiParameter("page", OpenApiTypes.INT, description="≥ 1, default 1"),
        OpenApiParameter(
            "limit", OpenApiTypes.INT, description=f"≥ 1, default {DEFAULT_LIMIT}, capped at {MAX_LIMIT}"
        ),
    ]


def status_parameter(values, description: str) -> OpenApiParameter:
    return OpenApiParameter("status", OpenApiTypes.STR, enum=list(values), description=description)


def form_body(name: str, form_class, *, exclude=(), help_texts=None) -> type[serializers.Serializer]:
    """The request body of an endpoint that validates with a Django form, described from the
    form's own fields (so the schema cannot drift from what the form accepts)."""
    fields = {}
    for field_name, field in form_class.base_fields.items():
        if field_name in exclude:
            continue
        help_text = (help_texts or {}).get(field_name) or field.help_text or None
        common = {"required": field.required, "help_text": help_text}
        if isinstance(field, forms.BooleanField):
            fields[field_name] = serializers.BooleanField(**common)
        elif isinstance(field, forms.ChoiceField):
            choices = [value for value, _label in field.choices if value]
            fields[field_name] = serializers.ChoiceField(choices=choices, **common)
        else:
            lengths = {"min_length": field.min_length, "max_length": field.max_length}
            text = serializers.EmailField if isinstance(field.widget, forms.EmailInput) else serializers.CharField
            fields[field_name] = text(**common, **lengths)
    return type(f"{name}Serializer", (serializers.Serializer,), fields)


BINARY_DOWNLOAD = {
    (200, "application/octet-stream"): OpenApiResponse(
        OpenApiTypes.BINARY, description="The file, as an attachment (its stored content type)"
    )
}
