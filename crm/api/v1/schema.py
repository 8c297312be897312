"""OpenAPI descriptions of the seed-002 surface (`/api/v1`, `/api/contact`): documentation only.

The envelopes and error responses are core.api.schema's; this module describes the bodies.

Output serializers that render through `to_representation` (messages, files) get a
field-by-field twin here, and the v1 serializers whose names also exist on the seed-000
surface get a `V1` subclass, so the two surfaces' components never share a name.
"""


from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers

from core.api.schema import UploadField
from crm.choices import MessageType

from . import serializers as v1

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
