"""The scheduled message as both APIs show it (an extension: docs/campaigns.md)."""

from rest_framework import serializers

from core.api.fields import UtcDateTimeField, iso_utc


class ScheduledMessageSerializer(serializers.Serializer):
    """Extension (docs/campaigns.md): a message waiting for its `send_at`."""

    id = serializers.IntegerField()
    conversation_id = serializers.IntegerField()
    fan_id = serializers.IntegerField()
    text = serializers.CharField()
    price_cents = serializers.IntegerField()
    send_at = UtcDateTimeField()
    status = serializers.CharField()
    message_id = serializers.IntegerField(allow_null=True)

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
        }
