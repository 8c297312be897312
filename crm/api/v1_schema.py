"""OpenAPI descriptions of the seed-002 surface (`/api/v1`, `/api/contact`): documentation only.

The envelopes (`{"success": true, "data": ...}`, `pagination` beside lists) and the error
envelope (`{"success": false, "error": "..."}`) are described here once; the views annotate
with them, and the screening views too. The seed-000 helpers (crm_schema) are reused where the
shape is the same (the error statuses and their descriptions).

Output serializers that render through `to_representation` (messages, files) get a
field-by-field twin here, and the v1 serializers whose names also exist on the seed-000
surface get a `V1` subclass, so the two surfaces' components never share a name.
"""

from functools import cache

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_field, inline_serializer
from rest_framework import serializers

from crm.choices import MessageType

from . import v1_serializers as v1
from .crm_schema import ERROR_DESCRIPTIONS, errors
from .v1_pagination import DEFAULT_LIMIT, MAX_LIMIT

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
    """crm_schema.errors in the seed-002 error envelope, with the seed-002 descriptions."""
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


CONVERSATION_ID_PARAMETER = OpenApiParameter(
    "conversation_id", OpenApiTypes.INT, required=True, description="The conversation (400 when absent)"
)

# --- API keys --------------------------------------------------------------------------------


class KeyCredentialsSerializer(serializers.Serializer):
    model_slug = serializers.CharField()
    password = serializers.CharField()


class GenerateKeyRequestSerializer(KeyCredentialsSerializer):
    name = serializers.CharField(required=False, allow_blank=True, allow_null=True)


class GeneratedKeySerializer(serializers.Serializer):
    api_key = serializers.CharField(help_text="`pk_...`; shown only once")
    key_id = serializers.IntegerField()
    name = serializers.CharField()
    prefix = serializers.CharField()
    model_id = serializers.IntegerField()
    model_slug = serializers.CharField()
    expires = serializers.CharField()
    note = serializers.CharField()


class RevokedKeysSerializer(serializers.Serializer):
    model_id = serializers.IntegerField()
    model_slug = serializers.CharField()
    revoked = serializers.IntegerField(help_text="How many keys were revoked")
    message = serializers.CharField()


# --- Clients and notes -----------------------------------------------------------------------


class V1ClientListSerializer(v1.ClientListSerializer):
    email_hash = serializers.CharField(allow_null=True)
    phone_hash = serializers.CharField(allow_null=True)
    last_contacted_at = serializers.DateTimeField(allow_null=True)


class V1ClientDetailSerializer(V1ClientListSerializer, v1.ClientDetailSerializer):
    notes_updated_at = serializers.DateTimeField(allow_null=True)
    last_seen_at = serializers.DateTimeField(allow_null=True)


class V1ClientCreatedSerializer(V1ClientDetailSerializer):
    client_id = serializers.IntegerField()
    created = serializers.BooleanField(help_text="false: an existing client matched the email or phone (200)")


class V1NotesSerializer(v1.NotesSerializer):
    updated_at = serializers.DateTimeField(allow_null=True)


class V1NotesWriteSerializer(serializers.Serializer):
    notes = serializers.CharField(max_length=100_000, allow_blank=True)


# --- Conversations ---------------------------------------------------------------------------


class V1ConversationSerializer(v1.ConversationSerializer):
    last_message_at = serializers.DateTimeField(allow_null=True)


class V1ConversationCreateSerializer(v1.ConversationCreateSerializer):
    interaction_id = serializers.IntegerField(help_text="The client")


class V1TagsSerializer(serializers.Serializer):
    tags = serializers.ListField(child=serializers.CharField(max_length=64), max_length=50)


# --- Messages and files ----------------------------------------------------------------------


class V1MessageSerializer(serializers.Serializer):
    """What v1_serializers.MessageSerializer renders."""

    id = serializers.IntegerField()
    conversation_id = serializers.IntegerField()
    sender_type = serializers.ChoiceField(choices=["client", "model", "system"])
    sender_id = serializers.IntegerField(allow_null=True)
    sender_name = serializers.CharField(allow_null=True)
    message = serializers.CharField()
    message_type = serializers.ChoiceField(choices=MessageType.choices)
    timestamp = serializers.DateTimeField()
    is_read = serializers.BooleanField()
    file_path = serializers.CharField(allow_null=True)
    file_name = serializers.CharField(allow_null=True)
    file_size = serializers.IntegerField(allow_null=True)


class V1MessageCreateSerializer(serializers.Serializer):
    conversation_id = serializers.IntegerField()
    message = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    message_type = serializers.ChoiceField(
        choices=MessageType.choices, required=False, default=MessageType.TEXT
    )


@extend_schema_field(OpenApiTypes.BINARY)
class UploadField(serializers.FileField):
    """A multipart file part (spectacular would describe a FileField as a URL)."""


class V1MessageUploadSerializer(V1MessageCreateSerializer):
    file = UploadField(required=False, help_text="An attachment (then `message` may be empty)")


class V1FileSerializer(serializers.Serializer):
    """What v1_serializers.FileSerializer renders."""

    message_id = serializers.IntegerField()
    conversation_id = serializers.IntegerField()
    file_path = serializers.CharField()
    file_name = serializers.CharField()
    file_size = serializers.IntegerField(allow_null=True)
    file_type = serializers.CharField(allow_null=True)
    sender_name = serializers.CharField(allow_null=True)
    file_exists = serializers.BooleanField()
    file_url = serializers.CharField(help_text="The authorised download route, never a storage URL")
    file_extension = serializers.CharField()
    is_image = serializers.BooleanField()
    timestamp = serializers.DateTimeField()


BINARY_DOWNLOAD = {
    (200, "application/octet-stream"): OpenApiResponse(
        OpenApiTypes.BINARY, description="The file, as an attachment (its stored content type)"
    )
}

# --- Contact form ----------------------------------------------------------------------------


class ContactSubmitSerializer(serializers.Serializer):
    model_id = serializers.CharField(help_text="The creator's slug")
    name = serializers.CharField(min_length=2, max_length=255)
    email = serializers.EmailField()
    phone = serializers.CharField(required=False, max_length=32)
    subject = serializers.CharField(required=False, min_length=3, max_length=255)
    message = serializers.CharField(min_length=10, max_length=5000)
    preferred_contact = serializers.ChoiceField(choices=["email", "phone", "either"], required=False)
    consent_contact = serializers.BooleanField()


CONTACT_ACCEPTED = inline_serializer(
    "ContactAccepted",
    fields={
        "success": serializers.BooleanField(help_text="Always true"),
        "message": serializers.CharField(),
        "conversation_id": serializers.IntegerField(),
    },
)

CONTACT_REJECTED = inline_serializer(
    "ContactRejected",
    fields={
        "success": serializers.BooleanField(help_text="Always false"),
        "error": serializers.CharField(help_text="`Validation failed` or `Submission rejected`"),
        "details": inline_serializer(
            "ContactFieldError",
            fields={"field": serializers.CharField(), "message": serializers.CharField()},
            many=True,
            required=False,
        ),
    },
)
