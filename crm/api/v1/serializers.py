"""Serializers of the seed-002 surface: the document's field names over the CRM's models.

Output serializers list every field the document shows (plus a few the careful client needs);
input serializers accept only the writable fields and reject wrong JSON types with a 400.
Mapping: a seed "client" and its "interaction" are both a Fan (`id`, `interaction_id`,
`client_id`, `client_model_interaction_id` are the fan's id). See docs/api-v1.md.
"""

from pathlib import PurePosixPath

from rest_framework import serializers

from core.api.fields import RequiredBooleanField, StrictCharField
from core.lookups import parse_id
from core.uploads import IMAGE_TYPES
from crm.choices import ClientCategory, Direction, MessageType, ScreeningStatus, SubscriptionStatus

# --- Strict input fields (the shared ones are in .fields) ------------------------------------


class IdField(serializers.Field):
    """A database id given as a JSON number or a numeric string (query strings, multipart)."""

    default_error_messages = {"invalid": "A valid id is required."}

    def to_internal_value(self, data):
        pk = parse_id(data)
        if pk is None:
            self.fail("invalid")
        return pk

    def to_representation(self, value):
        return value


class StrictChoiceField(serializers.ChoiceField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


def _optional_text(max_length: int, **kwargs):
    return StrictCharField(required=False, allow_blank=True, allow_null=True, max_length=max_length, **kwargs)


# --- Clients ---------------------------------------------------------------------------------


class ClientWriteSerializer(serializers.Serializer):
    """Create and (partial) update of a client; `notes_encrypted` carries the plain notes."""

    email = serializers.EmailField(required=False, allow_blank=True, allow_null=True, max_length=254)
    phone = _optional_text(32)
    client_identifier = _optional_text(255)
    name = _optional_text(255)
    handle = _optional_text(255)
    screening_status = StrictChoiceField(choices=ScreeningStatus.choices, required=False)
    client_category = StrictChoiceField(choices=ClientCategory.choices, required=False)
    subscription_status = StrictChoiceField(choices=SubscriptionStatus.choices, required=False)
    notes_encrypted = StrictCharField(
        required=False, allow_blank=True, allow_null=True, trim_whitespace=False, max_length=100_000
    )

    def validate_phone(self, value):
        value = (value or "").strip()
        if value and (not set(value) <= set("+0123456789 ()-.") or sum(c.isdigit() for c in value) < 5):
            raise serializers.ValidationError("Invalid phone", code="invalid")
        return value

    def validate(self, attrs):
        # null means "empty" for the optional texts; the Fan stores "" for none.
        return {key: ("" if value is None else value) for key, value in attrs.items()}


def _hash_or_none(value: str):
    return value or None


class ClientListSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    client_identifier = serializers.CharField()
    name = serializers.CharField()
    handle = serializers.CharField()
    platform = serializers.CharField()
    email_hash = serializers.SerializerMethodField()
    phone_hash = serializers.SerializerMethodField()
    interaction_id = serializers.IntegerField(source="id")
    screening_status = serializers.CharField()
    client_category = serializers.CharField()
    subscription_status = serializers.CharField()
    unread_count = serializers.IntegerField(source="unread_total")
    conversation_count = serializers.IntegerField(source="conversation_total")
    last_contacted_at = serializers.DateTimeField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_email_hash(self, fan):
        return _hash_or_none(fan.email_hash)

    def get_phone_hash(self, fan):
        return _hash_or_none(fan.phone_hash)


class ClientDetailSerializer(ClientListSerializer):
    notes_encrypted = serializers.CharField(source="notes")
    notes_updated_at = serializers.DateTimeField()
    last_seen_at = serializers.DateTimeField()


# --- Conversations ---------------------------------------------------------------------------


class ConversationCreateSerializer(serializers.Serializer):
    interaction_id = IdField()
    subject = StrictCharField(max_length=255)
    message = StrictCharField(required=False, allow_blank=True, allow_null=True, trim_whitespace=False)


class ArchiveSerializer(serializers.Serializer):
    archived = RequiredBooleanField()


class ConversationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    subject = serializers.CharField()
    chat_status = serializers.SerializerMethodField()
    client_model_interaction_id = serializers.IntegerField(source="fan_id")
    interaction_id = serializers.IntegerField(source="fan_id")
    client_identifier = serializers.CharField(source="fan.client_identifier")
    client_name = serializers.CharField(source="fan.name")
    platform = serializers.CharField()
    is_archived = serializers.SerializerMethodField()
    unread_count = serializers.IntegerField()
    tags = serializers.SerializerMethodField()
    message_count = serializers.IntegerField()
    last_message_at = serializers.DateTimeField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_chat_status(self, conversation) -> str:
        return "archived" if conversation.is_archived else "active"

    def get_is_archived(self, conversation) -> int:
        # The seed's clients read a MySQL TINYINT: 0 or 1, not a JSON boolean.
        return int(conversation.is_archived)

    def get_tags(self, conversation) -> list[str]:
        # Iterating .all() uses the prefetched tags (ordered by name by Tag.Meta).
        return [tag.name for tag in conversation.tags.all()]


# --- Messages and files ----------------------------------------------------------------------

SENDER_TYPES = {Direction.INCOMING: "client", Direction.OUTGOING: "model", Direction.SYSTEM: "system"}


class MessageCreateSerializer(serializers.Serializer):
    conversation_id = IdField()
    message = StrictCharField(required=False, allow_blank=True, allow_null=True, trim_whitespace=False)
    message_type = StrictChoiceField(choices=MessageType.choices, required=False, default=MessageType.TEXT)


class SenderMixin(serializers.Serializer):
    """sender_type/sender_id/sender_name; the creator comes from the serializer context."""

    def sender(self, message) -> tuple[str, int | None, str | None]:
        kind = SENDER_TYPES[message.direction]
        if kind == "model":
            creator = self.context["creator"]
            return kind, creator.user_id, creator.slug
        if kind == "client":
            return kind, message.fan_id, message.fan.name
        return kind, None, None


class MessageSerializer(SenderMixin):
    def to_representation(self, message):
        sender_type, sender_id, sender_name = self.sender(message)
        has_file = bool(message.attachment.name)
        return {
            "id": message.pk,
            "conversation_id": message.conversation_id,
            "sender_type": sender_type,
            "sender_id": sender_id,
            "sender_name": sender_name,
            "message": message.text,
            "message_type": message.message_type,
            "timestamp": serializers.DateTimeField().to_representation(message.created_at),
            "is_read": message.read_at is not None if message.direction == Direction.INCOMING else True,
            "file_path": message.attachment.name if has_file else None,
            "file_name": message.attachment_name if has_file else None,
            "file_size": message.attachment_size if has_file else None,
        }


def file_download_path(message_id: int) -> str:
    return f"/api/v1/files/{message_id}/download"


class FileSerializer(SenderMixin):
    """A message attachment; `file_url` is the authorised download endpoint, never storage."""

    def to_representation(self, message):
        _kind, _id, sender_name = self.sender(message)
        name = message.attachment_name or PurePosixPath(message.attachment.name).name
        return {
            "message_id": message.pk,
            "conversation_id": message.conversation_id,
            "file_path": message.attachment.name,
            "file_name": name,
            "file_size": message.attachment_size,
            "file_type": message.attachment_content_type or None,
            "sender_name": sender_name,
            "file_exists": message.attachment.storage.exists(message.attachment.name),
            "file_url": file_download_path(message.pk),
            "file_extension": PurePosixPath(name.lower()).suffix
            or PurePosixPath(message.attachment.name).suffix,
            "is_image": message.attachment_content_type in IMAGE_TYPES,
            "timestamp": serializers.DateTimeField().to_representation(message.created_at),
        }


# --- Notes -----------------------------------------------------------------------------------


class NotesSerializer(serializers.Serializer):
    interaction_id = serializers.IntegerField(source="id")
    client_identifier = serializers.CharField()
    notes = serializers.CharField()
    updated_at = serializers.DateTimeField(source="notes_updated_at")
