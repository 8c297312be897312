"""The scheduled message as both APIs show and edit it (an extension: docs/campaigns.md)."""

from rest_framework import serializers

from core.api.fields import MAX_BIGINT, StrictCharField, StrictIntegerField, UtcDateTimeField, iso_utc
from crm import campaigns
from crm.choices import ScheduledStatus
from crm.models import ScheduledMessage


class ScheduledMessageSerializer(serializers.Serializer):
    """Extension (docs/campaigns.md): a message waiting for its `send_at`."""

    id = serializers.IntegerField()
    conversation_id = serializers.IntegerField()
    fan_id = serializers.IntegerField()
    text = serializers.CharField()
    price_cents = serializers.IntegerField()
    send_at = UtcDateTimeField()
    status = serializers.ChoiceField(choices=ScheduledStatus.choices)
    message_id = serializers.IntegerField(allow_null=True, help_text="The message it became, once sent")
    error = serializers.CharField(allow_null=True, help_text="Why it was not sent (status `failed`)")

    def to_representation(self, scheduled):
        return {
            "id": scheduled.pk,
            "conversation_id": scheduled.conversation_id,
            "fan_id": scheduled.fan_id,
            "text": scheduled.text,
            "price_cents": scheduled.price_cents,
            "send_at": iso_utc(scheduled.send_at),
            "status": scheduled.status,
            "message_id": scheduled.message_id,
            "error": scheduled.error or None,
        }


class ScheduledMessageUpdateSerializer(serializers.Serializer):
    """Extension: what a waiting scheduled message may change; each field is optional."""

    text = StrictCharField(required=False, max_length=5000, trim_whitespace=False)
    send_at = StrictCharField(required=False, help_text="ISO 8601 with a time zone, to come, ≤ 1 year ahead")
    price_cents = StrictIntegerField(required=False, min_value=0, max_value=MAX_BIGINT)

    def validate_text(self, value):
        if not value.strip():
            raise serializers.ValidationError("text is required", code="blank")
        return value


def scheduled_message_edit(scheduled: ScheduledMessage, data: dict) -> ScheduledMessage:
    """Both surfaces' PATCH: a validated ScheduledMessageUpdateSerializer's fields applied."""
    return campaigns.scheduled_message_update(
        scheduled=scheduled,
        text=data.get("text"),
        send_at=campaigns.parse_send_at_iso(data["send_at"]) if "send_at" in data else None,
        price_cents=data.get("price_cents"),
    )
