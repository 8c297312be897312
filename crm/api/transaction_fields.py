"""What both surfaces' "record a transaction" share: the body's fields but the fan's (seed 000
names it `fanId`, the seed-002 extension `interaction_id`), and the call once the fan is known."""

from rest_framework import serializers

from core.api.fields import MAX_BIGINT, StrictCharField, StrictDateTimeField, StrictIntegerField
from crm import campaigns, services
from crm.choices import Platform, TransactionKind
from crm.models import Fan, Transaction
from crm.validators import validate_occurred_at


class TransactionWriteFields(serializers.Serializer):
    kind = serializers.ChoiceField(choices=TransactionKind.choices)
    amount_cents = StrictIntegerField(min_value=1, max_value=MAX_BIGINT)
    occurred_at = StrictDateTimeField(required=False, validators=[validate_occurred_at])
    platform = serializers.ChoiceField(choices=Platform.choices, required=False)
    external_id = StrictCharField(max_length=255, required=False, allow_null=True, allow_blank=True)
    message_id = StrictIntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_BIGINT,
        help_text="Extension: the PPV message this transaction unlocked (a message sent to this fan)",
    )

    def validate_kind(self, value):
        # Opening balances are recorded only when a fan is created with a value_cents.
        if value == TransactionKind.OPENING_BALANCE:
            raise serializers.ValidationError("Invalid kind", code="invalid")
        return value


def transaction_record_from(fan: Fan, data: dict) -> tuple[Transaction, bool]:
    """A validated create body (either surface's) recorded for `fan`; `message_id` names the PPV
    message it unlocks. Returns the transaction and whether it is new (a known external id: no)."""
    message_id = data.get("message_id")
    return services.transaction_record(
        fan=fan,
        kind=data["kind"],
        amount_cents=data["amount_cents"],
        platform=data.get("platform"),
        external_id=data.get("external_id") or None,
        occurred_at=data.get("occurred_at"),
        message=campaigns.ppv_message_for(fan=fan, message_id=message_id) if message_id else None,
    )
