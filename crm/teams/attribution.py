"""How both REST surfaces and the pages show who sent an outgoing message (the `sent_by`
extension field, docs/teams.md): read from the message's own columns, no join."""

from rest_framework import serializers

from crm.choices import Direction


class SentBySerializer(serializers.Serializer):
    """`type` member / api_key / ai; `id` the member's user id or the key's id; `name` the
    member's email or the key's name when it sent. null: an incoming message, or one sent on the
    platform itself (webhooks) or before senders were recorded."""

    type = serializers.ChoiceField(choices=["member", "api_key", "ai"])
    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField(allow_null=True)


def sent_by(message) -> dict | None:
    if message.direction != Direction.OUTGOING:
        return None
    if message.sent_by_ai:
        return {"type": "ai", "id": None, "name": None}
    if message.sent_by_kind == "api_key":
        return {"type": "api_key", "id": message.sent_by_api_key_id, "name": message.sent_by_name}
    if message.sent_by_kind == "member":
        return {"type": "member", "id": message.sent_by_id, "name": message.sent_by_name}
    return None
