"""Input and output serializers of the seed-000 CRM endpoints (`/api/crm/...`).

Inputs list their writable fields; owner ids (`user_id`, `creator`), counters and
`value_cents` on update are simply not fields, so a body cannot set them. Outputs build their
dicts directly (a page may hold 1000 rows) while declaring their fields for the OpenAPI schema.
"""

from rest_framework import serializers

from core.api.fields import (
    MAX_BIGINT,
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    UtcDateTimeField,
    iso_utc,
    tag_list_field,
)
from crm.api.delivery_fields import DeliverySerializer, delivery_of
from crm.api.fan_fields import contact_permission_of
from crm.api.transaction_fields import TransactionWriteFields
from crm.choices import ConsentSource, Direction, Platform, TransactionKind
from crm.selectors import tag_names_of
from crm.teams.attribution import SentBySerializer, sent_by
from crm.validators import MAX_TAG_LENGTH, MAX_TAGS

# Inputs and outputs share one choice set each, so the schema has one enum per choice.
PLATFORMS = Platform.choices


def tags_field(**kwargs):
    # The tag rule's limits (crm.validators), answered in this surface's "Invalid tags".
    return tag_list_field(max_tags=MAX_TAGS, max_length=MAX_TAG_LENGTH, **kwargs)


def _tag_names(obj) -> list[str]:
    return tag_names_of(obj)


# --- Fans ----------------------------------------------------------------------------------


class FanSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    user_id = serializers.IntegerField(help_text="The creator's user id")
    name = serializers.CharField()
    platform = serializers.ChoiceField(choices=Platform.choices)
    platform_id = serializers.CharField(allow_null=True)
    handle = serializers.CharField(allow_null=True)
    tags = serializers.ListField(child=serializers.CharField())
    value_cents = serializers.IntegerField(help_text="Lifetime value in cents")
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
        return {
            "id": fan.pk,
            "user_id": self.context["user_id"],
            "name": fan.name,
            "platform": fan.platform,
            "platform_id": fan.platform_id or None,
            "handle": fan.handle or None,
            "tags": _tag_names(fan),
            "value_cents": fan.value_cents,
            "created_at": iso_utc(fan.created_at),
            "updated_at": iso_utc(fan.updated_at),
            **contact_permission_of(fan),
        }


class FanCreateSerializer(serializers.Serializer):
    name = StrictCharField(max_length=255)
    platform = serializers.ChoiceField(choices=PLATFORMS)
    platform_id = StrictCharField(max_length=255)
    handle = StrictCharField(max_length=255, required=False, allow_blank=True, allow_null=True)
    tags = tags_field(required=False)
    value_cents = StrictIntegerField(required=False, min_value=0, max_value=MAX_BIGINT)


class FanUpdateSerializer(serializers.Serializer):
    name = StrictCharField(max_length=255, required=False)
    platform = serializers.ChoiceField(choices=PLATFORMS, required=False)
    platform_id = StrictCharField(max_length=255, required=False)
    handle = StrictCharField(max_length=255, required=False, allow_blank=True, allow_null=True)
    tags = tags_field(required=False)
    # Extensions (issue 20): set or clear do-not-contact, with a reason.
    do_not_contact = StrictBooleanField(required=False)
    do_not_contact_reason = StrictCharField(max_length=255, required=False, allow_blank=True)


# --- Conversations -------------------------------------------------------------------------


class ConversationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    user_id = serializers.IntegerField(help_text="The creator's user id")
    fan_id = serializers.IntegerField()
    platform = serializers.ChoiceField(choices=Platform.choices)
    platform_conversation_id = serializers.CharField(allow_null=True)
    last_message_at = UtcDateTimeField(allow_null=True)
    unread_count = serializers.IntegerField()
    created_at = UtcDateTimeField()
    # Beyond the seed document: what PATCH can change, and the thread's size.
    is_archived = serializers.BooleanField()
    tags = serializers.ListField(child=serializers.CharField())
    message_count = serializers.IntegerField()
    updated_at = UtcDateTimeField()
    # Issue 17 (docs/teams.md): the member working the conversation (a user id), or null.
    assignee_id = serializers.IntegerField(allow_null=True)

    def to_representation(self, conversation):
        return {
            "id": conversation.pk,
            "user_id": self.context["user_id"],
            "fan_id": conversation.fan_id,
            "platform": conversation.platform,
            "platform_conversation_id": conversation.platform_conversation_id or None,
            "last_message_at": iso_utc(conversation.last_message_at),
            "unread_count": conversation.unread_count,
            "created_at": iso_utc(conversation.created_at),
            "is_archived": conversation.is_archived,
            "tags": _tag_names(conversation),
            "message_count": conversation.message_count,
            "updated_at": iso_utc(conversation.updated_at),
            "assignee_id": conversation.assignee_id,
        }


class ConversationCreateSerializer(serializers.Serializer):
    fanId = StrictIntegerField(min_value=1, max_value=MAX_BIGINT)  # noqa: N815 (the seed's name)
    platform = serializers.ChoiceField(choices=PLATFORMS, required=False)
    platform_conversation_id = StrictCharField(max_length=255, required=False, allow_null=True)


class ConversationUpdateSerializer(serializers.Serializer):
    is_archived = StrictBooleanField(required=False)
    read = StrictBooleanField(required=False, help_text="true marks every incoming message read")
    tags = tags_field(required=False)
    assignee_id = StrictIntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_BIGINT,
        help_text="Issue 17: assign to an active member (a user id), or null to unassign",
    )


# --- Messages ------------------------------------------------------------------------------


class MessageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    conversation_id = serializers.IntegerField()
    fan_id = serializers.IntegerField()
    direction = serializers.ChoiceField(choices=Direction.choices)
    message_type = serializers.CharField()
    text = serializers.CharField()
    price_cents = serializers.IntegerField()
    sent_by_ai = serializers.BooleanField()
    read_at = UtcDateTimeField(allow_null=True)
    created_at = UtcDateTimeField()
    # Extensions (docs/delivery.md): the delivery status of an outgoing message, the comment replied to.
    delivery = DeliverySerializer(allow_null=True)
    reply_to_id = serializers.IntegerField(allow_null=True)
    # Issue 17 (docs/teams.md): who sent an outgoing message.
    sent_by = SentBySerializer(allow_null=True)

    def to_representation(self, message):
        return {
            "id": message.pk,
            "conversation_id": message.conversation_id,
            "fan_id": message.fan_id,
            "direction": message.direction,
            "message_type": message.message_type,
            "text": message.text,
            "price_cents": message.price_cents,
            "sent_by_ai": message.sent_by_ai,
            "read_at": iso_utc(message.read_at),
            "created_at": iso_utc(message.created_at),
            "delivery": delivery_of(message),
            "reply_to_id": message.reply_to_id,
            "sent_by": sent_by(message),
        }


class MessageCreateSerializer(serializers.Serializer):
    text = StrictCharField(max_length=5000, trim_whitespace=False)
    price_cents = StrictIntegerField(required=False, min_value=0, max_value=MAX_BIGINT)
    sent_by_ai = StrictBooleanField(required=False)
    reply_to = StrictIntegerField(
        required=False, min_value=1, max_value=MAX_BIGINT, help_text="Extension: the id of the comment this replies to"
    )
    send_at = serializers.CharField(
        required=False,
        help_text="Extension: ISO 8601 with a time zone; the message is scheduled (202, `scheduled_message`)",
    )

    def validate_text(self, value):
        if not value.strip():
            raise serializers.ValidationError("text is required", code="blank")
        return value


# --- Transactions --------------------------------------------------------------------------


class TransactionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    user_id = serializers.IntegerField(help_text="The creator's user id")
    fan_id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=TransactionKind.choices)
    amount_cents = serializers.IntegerField(help_text="Always positive; refunds subtract")
    platform = serializers.ChoiceField(choices=Platform.choices)
    external_id = serializers.CharField(allow_null=True)
    occurred_at = UtcDateTimeField()
    created_at = UtcDateTimeField()
    # Extension (docs/campaigns.md): the PPV message this transaction unlocked.
    message_id = serializers.IntegerField(allow_null=True)

    def to_representation(self, txn):
        return {
            "id": txn.pk,
            "user_id": self.context["user_id"],
            "fan_id": txn.fan_id,
            "kind": txn.kind,
            "amount_cents": txn.amount_cents,
            "platform": txn.platform,
            "external_id": txn.external_id or None,
            "occurred_at": iso_utc(txn.occurred_at),
            "created_at": iso_utc(txn.created_at),
            "message_id": txn.message_id,
        }


class TransactionFan(serializers.Serializer):
    fanId = StrictIntegerField(min_value=1, max_value=MAX_BIGINT)  # noqa: N815 (as conversations)


# The fan first (a body without one says so first), then the shared fields.
class TransactionCreateSerializer(TransactionFan, TransactionWriteFields):
    pass
