"""The delivery extension fields of a message, the same on both surfaces (docs/delivery.md):
`delivery` (null unless outgoing) and `reply_to_id`; `reply_to` when writing."""

from rest_framework import serializers

from core.api.fields import UtcDateTimeField, iso_utc
from crm.choices import DeliveryStatus, Direction


class DeliverySerializer(serializers.Serializer):
    """Where an outgoing message stands with its platform."""

    status = serializers.ChoiceField(choices=DeliveryStatus.choices)
    error = serializers.CharField(allow_null=True, help_text="The platform's reason, when failed")
    error_code = serializers.CharField(allow_null=True)
    advice = serializers.CharField(allow_null=True, help_text="What to do about it")
    will_retry = serializers.BooleanField(help_text="true: failed for now, retried automatically")
    next_attempt_at = UtcDateTimeField(allow_null=True)
    retry_safe = serializers.BooleanField(help_text="true: the platform surely did not take it")


def delivery_of(message) -> dict | None:
    if message.direction != Direction.OUTGOING:
        return None
    return {
        "status": message.delivery_status,
        "error": message.delivery_error or None,
        "error_code": message.delivery_error_code or None,
        "advice": message.delivery_advice or None,
        "will_retry": message.delivery_will_retry,
        "next_attempt_at": iso_utc(message.delivery_next_attempt_at),
        "retry_safe": message.delivery_retry_safe,
    }
