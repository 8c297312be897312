"""Answers of the public chat API (/api/chat/*, seed-002 envelope), declared once for the
response and the OpenAPI schema."""

from django.urls import reverse
from rest_framework import serializers

from crm.choices import Direction


class ChatStartRequestSerializer(serializers.Serializer):
    model_id = serializers.CharField(help_text="The creator's slug")
    name = serializers.CharField(help_text="2 to 100 characters, no markup")
    email = serializers.CharField(required=False, help_text="Optional; only suggests a link to a known fan")
    consent = serializers.BooleanField(help_text="Must be true: the visitor agrees to be contacted")


class ChatSendRequestSerializer(serializers.Serializer):
    model_id = serializers.CharField(help_text="The creator's slug")
    text = serializers.CharField(required=False, help_text="At most 5000 characters, no markup; optional with files")
    files = serializers.ListField(
        child=serializers.FileField(), required=False,
        help_text="multipart only: up to 5 files (JPEG, PNG, GIF, WEBP, PDF, DOC, DOCX) of 10 MB each",
    )


class ChatFileSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField(source="attachment_name")
    size = serializers.IntegerField(source="attachment_size")
    content_type = serializers.CharField(source="attachment_content_type")
    url = serializers.SerializerMethodField()

    def get_url(self, message) -> str:
        return reverse("chat-file", args=[message.pk]) + f"?model_id={self.context['slug']}"


class ChatMessageSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    sender = serializers.SerializerMethodField(help_text="`visitor` or `team`")
    text = serializers.CharField()
    created_at = serializers.DateTimeField()
    file = serializers.SerializerMethodField()

    def get_sender(self, message) -> str:
        return "visitor" if message.direction == Direction.INCOMING else "team"

    def get_file(self, message) -> ChatFileSerializer(allow_null=True):
        if not message.attachment:
            return None
        return ChatFileSerializer(message, context=self.context).data


class ChatStateSerializer(serializers.Serializer):
    """The chat as the visitor sees it."""

    conversation_id = serializers.IntegerField()
    name = serializers.CharField()
    team_online = serializers.BooleanField()
    away_message = serializers.CharField(allow_blank=True, help_text="Shown when nobody is online, else empty")
    ended = serializers.BooleanField()
    live_url = serializers.CharField(help_text="The visitor's server-sent events stream")
