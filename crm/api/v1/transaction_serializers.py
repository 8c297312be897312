"""The revenue ledger on the seed-002 surface (an extension: seed 002 has no transactions API).

The fields are /api/crm's (`TransactionSerializer`) with the document's name for the fan
(`interaction_id`), so a seed-002 client can record a PPV unlock against its message.
"""

from rest_framework import serializers

from core.api.fields import IdField, UtcDateTimeField, iso_utc
from crm.api.transaction_fields import TransactionWriteFields
from crm.choices import Platform, TransactionKind


class V1TransactionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    interaction_id = serializers.IntegerField(help_text="The client (fan)")
    kind = serializers.ChoiceField(choices=TransactionKind.choices)
    amount_cents = serializers.IntegerField(help_text="Always positive; refunds subtract")
    platform = serializers.ChoiceField(choices=Platform.choices)
    external_id = serializers.CharField(allow_null=True)
    message_id = serializers.IntegerField(allow_null=True, help_text="The PPV message this unlocked")
    occurred_at = UtcDateTimeField()
    created_at = UtcDateTimeField()

    def to_representation(self, txn):
        return {
            "id": txn.pk,
            "interaction_id": txn.fan_id,
            "kind": txn.kind,
            "amount_cents": txn.amount_cents,
            "platform": txn.platform,
            "external_id": txn.external_id or None,
            "message_id": txn.message_id,
            "occurred_at": iso_utc(txn.occurred_at),
            "created_at": iso_utc(txn.created_at),
        }


class V1TransactionClient(serializers.Serializer):
    interaction_id = IdField(help_text="The client (fan)")


# The client first (a body without one says so first), then /api/crm's fields.
class V1TransactionCreateSerializer(V1TransactionClient, TransactionWriteFields):
    pass
