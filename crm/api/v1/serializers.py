"""Serializers of the seed-002 surface: the document's field names over the CRM's models.

Each field is declared once and serves both the response and the OpenAPI schema (no
documentation-only copies). Outputs list every field the document shows (plus a few the careful
client needs), in the document's order; inputs accept only the writable fields and reject wrong
JSON types with a 400. Mapping: a seed "client" and its "interaction" are both a Fan (`id`,
`interaction_id`, `client_id`, `client_model_interaction_id` are the fan's id). The `V1` prefix
keeps the OpenAPI components apart from the seed-000 surface's. See docs/api-v1.md.
"""

from pathlib import PurePosixPath

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.fields import (
    MAX_BIGINT,
    IdField,
    NullIfEmptyCharField,
    RequiredBooleanField,
    StrictBooleanField,
    StrictCharField,
    UploadField,
    UtcDateTimeField,
    ZeroOneBooleanField,
)
from core.exceptions import InvalidInput
from core.uploads import IMAGE_TYPES
from crm.api.delivery_fields import DeliverySerializer, delivery_of
from crm.api.fan_fields import contact_permission_of
from crm.choices import (
    ClientCategory,
    ConsentSource,
    Direction,
    MessageType,
    ScreeningStatus,
    SubscriptionStatus,
)
from crm.selectors import tag_names_of
from crm.teams.attribution import SentBySerializer, sent_by
from crm.validators import EMAIL_MAX_LENGTH, MAX_TAG_LENGTH, MAX_TAGS, PHONE_MAX_LENGTH

NOTES_MAX_LENGTH = 100_000

# --- Strict input fields ---------------------------------------------------------------------


class StrictChoiceField(serializers.ChoiceField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


def _optional_text(max_length: int, **kwargs):
    return StrictCharField(required=False, allow_blank=True, allow_null=True, max_length=max_length, **kwargs)


@extend_schema_field(OpenApiTypes.EMAIL)
class EmailTextField(StrictCharField):
    """An email as text: what makes it valid is the fan rule's (crm.validators, in the service),
    which checks only a changed value."""


class WordedInputSerializer(serializers.Serializer):
    # An input whose errors are the seed's own sentences rather than "Invalid <field>": its
    # declared fields describe the body to the schema, `to_internal_value` says what is wrong.
    # (Comments, not docstrings, in these bases: a docstring becomes the schema's description.)

    def refuse(self, message: str, field: str):
        raise InvalidInput(message, field=field)


# --- API keys --------------------------------------------------------------------------------

KEY_CREDENTIALS_REQUIRED = "model_slug and password are required"


class KeyCredentialsSerializer(WordedInputSerializer):
    model_slug = serializers.CharField()
    password = serializers.CharField()
    otp = serializers.CharField(
        required=False, help_text="The current two-factor code, for an account with two-factor sign-in on"
    )

    def to_internal_value(self, data):
        slug, password, otp = data.get("model_slug"), data.get("password"), data.get("otp")
        if not (isinstance(slug, str) and slug.strip() and isinstance(password, str) and password):
            self.refuse(KEY_CREDENTIALS_REQUIRED, "model_slug")
        # A code of the wrong type is no code: the second-factor check answers for it.
        return {"model_slug": slug.strip().lower(), "password": password, "otp": otp if isinstance(otp, str) else None}


class GenerateKeyRequestSerializer(KeyCredentialsSerializer):
    name = serializers.CharField(required=False, allow_blank=True, allow_null=True)

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        name = data.get("name", "")
        if name is not None and not isinstance(name, str):
            self.refuse("Invalid name", "name")
        return {**values, "name": name or ""}


class GeneratedKeySerializer(serializers.Serializer):
    # A new key (the instance); the raw key is in the context, shown this once.

    api_key = serializers.SerializerMethodField(help_text="`pk_...`; shown only once")
    key_id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    prefix = serializers.CharField()
    model_id = serializers.IntegerField(source="creator_id")
    model_slug = serializers.CharField(source="creator.slug")
    expires = serializers.SerializerMethodField()
    note = serializers.SerializerMethodField()

    def get_api_key(self, api_key) -> str:
        return self.context["raw_key"]

    def get_expires(self, api_key) -> str:
        return "Never (revoke to disable)"

    def get_note(self, api_key) -> str:
        return "Store this key securely - it will not be shown again"


class RevokedKeysSerializer(serializers.Serializer):
    # A creator (the instance) whose keys were revoked; the count is in the context.

    model_id = serializers.IntegerField(source="pk")
    model_slug = serializers.CharField(source="slug")
    revoked = serializers.SerializerMethodField(help_text="How many keys were revoked")
    message = serializers.SerializerMethodField()

    def get_revoked(self, creator) -> int:
        return self.context["revoked"]

    def get_message(self, creator) -> str:
        return "All API keys for this account have been revoked"


# --- Clients ---------------------------------------------------------------------------------


class ClientWriteSerializer(serializers.Serializer):
    """Create and (partial) update of a client; `notes_encrypted` carries the plain notes."""

    # The validated data are Fan fields (`notes_encrypted` → `notes`). Email and phone follow the
    # fan rule of crm.validators, applied by the services ("Invalid email" / "Invalid phone").

    email = EmailTextField(required=False, allow_blank=True, allow_null=True, max_length=EMAIL_MAX_LENGTH)
    phone = _optional_text(PHONE_MAX_LENGTH)
    client_identifier = _optional_text(255)
    name = _optional_text(255)
    handle = _optional_text(255)
    screening_status = StrictChoiceField(choices=ScreeningStatus.choices, required=False)
    client_category = StrictChoiceField(choices=ClientCategory.choices, required=False)
    subscription_status = StrictChoiceField(choices=SubscriptionStatus.choices, required=False)
    notes_encrypted = StrictCharField(
        source="notes",
        required=False,
        allow_blank=True,
        allow_null=True,
        trim_whitespace=False,
        max_length=NOTES_MAX_LENGTH,
    )

    def validate(self, attrs):
        # null means "empty" for the optional texts; the Fan stores "" for none.
        return {key: ("" if value is None else value) for key, value in attrs.items()}


class ClientUpdateSerializer(ClientWriteSerializer):
    # Extensions (issue 20): set or clear do-not-contact, with a reason.
    do_not_contact = StrictBooleanField(required=False)
    do_not_contact_reason = StrictCharField(max_length=255, required=False, allow_blank=True)


class V1ClientListSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    client_identifier = serializers.CharField()
    name = serializers.CharField()
    handle = serializers.CharField()
    platform = serializers.CharField()
    email_hash = NullIfEmptyCharField()
    phone_hash = NullIfEmptyCharField()
    interaction_id = serializers.IntegerField(source="id")
    screening_status = serializers.CharField()
    client_category = serializers.CharField()
    subscription_status = serializers.CharField()
    unread_count = serializers.IntegerField(source="unread_total")
    conversation_count = serializers.IntegerField(source="conversation_total")
    last_contacted_at = UtcDateTimeField(allow_null=True)
    created_at = UtcDateTimeField()
    updated_at = UtcDateTimeField()
    # Extensions (crm.api.fan_fields): consent and do-not-contact.
    consent_source = serializers.ChoiceField(choices=ConsentSource.choices, allow_null=True, help_text="Extension: where the fan agreed to be contacted")
    consent_at = UtcDateTimeField(allow_null=True, help_text="Extension: when the fan agreed")
    consent_text = serializers.CharField(allow_null=True, help_text="Extension: the text the fan agreed to")
    do_not_contact = serializers.BooleanField(help_text="Extension: the fan must not be contacted")
    do_not_contact_reason = serializers.CharField(allow_null=True)
    do_not_contact_at = UtcDateTimeField(allow_null=True)

    def to_representation(self, fan):
        # The extensions (crm.api.fan_fields) in their one shape: blanks as null.
        return {**super().to_representation(fan), **contact_permission_of(fan)}


class V1ClientDetailSerializer(V1ClientListSerializer):
    notes_encrypted = serializers.CharField(source="notes")
    notes_updated_at = UtcDateTimeField(allow_null=True)
    last_seen_at = UtcDateTimeField(allow_null=True)


class V1ClientCreatedSerializer(V1ClientDetailSerializer):
    # The created or matched client; `created` (in the context) tells which.

    client_id = serializers.IntegerField(source="id")
    created = serializers.SerializerMethodField(
        help_text="false: an existing client matched the email or phone (200)"
    )

    def get_created(self, fan) -> bool:
        return self.context["created"]


class V1NotesSerializer(serializers.Serializer):
    interaction_id = serializers.IntegerField(source="id")
    client_identifier = serializers.CharField()
    notes = serializers.CharField()
    updated_at = UtcDateTimeField(source="notes_updated_at", allow_null=True)


class V1NotesWriteSerializer(WordedInputSerializer):
    notes = serializers.CharField(max_length=NOTES_MAX_LENGTH, allow_blank=True)

    def to_internal_value(self, data):
        notes = data.get("notes")
        if notes is None:
            self.refuse("notes field is required", "notes")
        if not isinstance(notes, str) or len(notes) > NOTES_MAX_LENGTH:
            self.refuse("Invalid notes", "notes")
        return {"notes": notes}


# --- Conversations ---------------------------------------------------------------------------


class V1ConversationCreateSerializer(serializers.Serializer):
    interaction_id = IdField(help_text="The client")
    subject = StrictCharField(max_length=255)
    message = StrictCharField(required=False, allow_blank=True, allow_null=True, trim_whitespace=False)


class ArchiveSerializer(serializers.Serializer):
    archived = RequiredBooleanField()


class V1TagsSerializer(WordedInputSerializer):
    # The names only; how many and how long is the tag rule's (crm.services.tags_resolve).

    tags = serializers.ListField(child=serializers.CharField(max_length=MAX_TAG_LENGTH), max_length=MAX_TAGS)

    def to_internal_value(self, data):
        tags = data.get("tags")
        if not isinstance(tags, list):
            self.refuse("Tags must be an array", "tags")
        if not all(isinstance(tag, str) for tag in tags):
            self.refuse("Tags must be an array of strings", "tags")
        return {"tags": tags}


class V1ConversationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    subject = serializers.CharField()
    chat_status = serializers.SerializerMethodField()
    client_model_interaction_id = serializers.IntegerField(source="fan_id")
    interaction_id = serializers.IntegerField(source="fan_id")
    client_identifier = serializers.CharField(source="fan.client_identifier")
    client_name = serializers.CharField(source="fan.name")
    platform = serializers.CharField()
    # The seed's clients read a MySQL TINYINT: 0 or 1, not a JSON boolean.
    is_archived = ZeroOneBooleanField()
    unread_count = serializers.IntegerField()
    tags = serializers.SerializerMethodField()
    message_count = serializers.IntegerField()
    last_message_at = UtcDateTimeField(allow_null=True)
    created_at = UtcDateTimeField()
    updated_at = UtcDateTimeField()
    # Issue 17 (docs/teams.md): the member working the conversation (a user id), or null.
    assignee_id = serializers.IntegerField(allow_null=True)

    def get_chat_status(self, conversation) -> str:
        return "archived" if conversation.is_archived else "active"

    def get_tags(self, conversation) -> list[str]:
        return tag_names_of(conversation)


class V1AssigneeSerializer(serializers.Serializer):
    assignee_id = IdField(allow_null=True, help_text="The user id of an active member, or null to unassign")


# --- Messages and files ----------------------------------------------------------------------

SENDER_TYPES = {Direction.INCOMING: "client", Direction.OUTGOING: "model", Direction.SYSTEM: "system"}


class V1MessageCreateSerializer(serializers.Serializer):
    conversation_id = IdField()
    message = StrictCharField(required=False, allow_blank=True, allow_null=True, trim_whitespace=False)
    message_type = StrictChoiceField(choices=MessageType.choices, required=False, default=MessageType.TEXT)
    reply_to = IdField(required=False, help_text="Extension: the id of the comment this replies to")
    send_at = serializers.CharField(
        required=False,
        help_text="Extension: ISO 8601 with a time zone; the message is scheduled (202, `data` is the scheduled message)",
    )
    # A number in JSON or the multipart form's string; a fraction or anything else is a 400.
    price_cents = serializers.IntegerField(
        required=False, min_value=0, max_value=MAX_BIGINT, help_text="Extension: a PPV price (docs/campaigns.md)"
    )


class V1MessageUploadSerializer(V1MessageCreateSerializer):
    # The multipart form of the same request, with the file (a JSON body has none).

    file = UploadField(help_text="An attachment (then `message` may be empty)")


class SenderFields(serializers.Serializer):
    # The sender of a message: the model (the creator, from the context), the client, or the
    # system.

    def sender(self, message) -> tuple[str, int | None, str | None]:
        kind = SENDER_TYPES[message.direction]
        if kind == "model":
            creator = self.context["creator"]
            return kind, creator.user_id, creator.slug
        if kind == "client":
            return kind, message.fan_id, message.fan.name
        return kind, None, None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_sender_name(self, message) -> str | None:
        return self.sender(message)[2]


class V1MessageSerializer(SenderFields):
    """A message; `sender_*` say who sent it: the model (the creator), the client or the system."""

    id = serializers.IntegerField()
    conversation_id = serializers.IntegerField()
    sender_type = serializers.SerializerMethodField()
    sender_id = serializers.SerializerMethodField()
    sender_name = serializers.SerializerMethodField()
    message = serializers.CharField(source="text")
    message_type = serializers.ChoiceField(choices=MessageType.choices)
    timestamp = UtcDateTimeField(source="created_at")
    is_read = serializers.SerializerMethodField()
    file_path = serializers.SerializerMethodField()
    file_name = serializers.SerializerMethodField()
    file_size = serializers.SerializerMethodField()
    # Extensions (docs/delivery.md): the delivery status of a model's message, the comment replied to.
    delivery = serializers.SerializerMethodField()
    reply_to_id = serializers.IntegerField(allow_null=True)
    # Extension (docs/campaigns.md): the PPV price of a model's message, 0 when it has none.
    price_cents = serializers.IntegerField()

    @extend_schema_field(DeliverySerializer(allow_null=True))
    def get_delivery(self, message) -> dict | None:
        return delivery_of(message)
    # Issue 17 (docs/teams.md): who sent an outgoing message; `sender_*` stay the creator's.
    sent_by = serializers.SerializerMethodField()

    @extend_schema_field(SentBySerializer(allow_null=True))
    def get_sent_by(self, message) -> dict | None:
        return sent_by(message)

    @extend_schema_field(serializers.ChoiceField(choices=["client", "model", "system"]))
    def get_sender_type(self, message) -> str:
        return self.sender(message)[0]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_sender_id(self, message) -> int | None:
        return self.sender(message)[1]

    def get_is_read(self, message) -> bool:
        # The model's own (and system) messages are read by definition.
        return message.read_at is not None if message.direction == Direction.INCOMING else True

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_file_path(self, message) -> str | None:
        return message.attachment.name or None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_file_name(self, message) -> str | None:
        return message.attachment_name if message.attachment.name else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_file_size(self, message) -> int | None:
        return message.attachment_size if message.attachment.name else None


def file_download_path(message_id: int) -> str:
    return f"/api/v1/files/{message_id}/download"


class V1FileSerializer(SenderFields):
    """A message attachment; `file_url` is the authorised download endpoint, never storage."""

    message_id = serializers.IntegerField(source="pk")
    conversation_id = serializers.IntegerField()
    file_path = serializers.CharField(source="attachment.name")
    file_name = serializers.SerializerMethodField()
    file_size = serializers.IntegerField(source="attachment_size", allow_null=True)
    file_type = NullIfEmptyCharField(source="attachment_content_type")
    sender_name = serializers.SerializerMethodField()
    file_exists = serializers.SerializerMethodField()
    file_url = serializers.SerializerMethodField(help_text="The authorised download route, never a storage URL")
    file_extension = serializers.SerializerMethodField()
    is_image = serializers.SerializerMethodField()
    timestamp = UtcDateTimeField(source="created_at")

    def get_file_name(self, message) -> str:
        return message.attachment_name or PurePosixPath(message.attachment.name).name

    def get_file_exists(self, message) -> bool:
        return message.attachment.storage.exists(message.attachment.name)

    def get_file_url(self, message) -> str:
        return file_download_path(message.pk)

    def get_file_extension(self, message) -> str:
        return PurePosixPath(self.get_file_name(message).lower()).suffix or PurePosixPath(message.attachment.name).suffix

    def get_is_image(self, message) -> bool:
        return message.attachment_content_type in IMAGE_TYPES
