"""GET/POST /api/crm/conversations/{id}/messages."""

import pytest

from crm import services
from tests.crm.api.cases import ABSENT, ObjectCases, ReadCases, WriteCases
from tests.factories import ConversationFactory, FanFactory
from tests.helpers import assert_crm_error, assert_status

pytestmark = pytest.mark.django_db

MESSAGE_KEYS = {"id", "conversation_id", "fan_id", "direction", "message_type", "text", "price_cents",
                "sent_by_ai", "read_at", "created_at",
                "delivery", "reply_to_id",  # the documented delivery extensions (docs/delivery.md)
                "sent_by"}  # issue 17's extension (docs/teams.md)


class TestMessageList(ObjectCases, ReadCases):
    path = "/api/crm/conversations/{conversation}/messages"
    not_found_message = "Conversation not found"


class TestMessageCreate(ObjectCases, WriteCases):
    path = "/api/crm/conversations/{conversation}/messages"
    not_found_message = "Conversation not found"
    owner_fields = {"user_id": 1, "direction": "in", "fan_id": 999, "conversation_id": 999, "read_at": "x"}
    invalid = [
        ({"text": ABSENT}, "text is required"),
        ({"text": ""}, "text is required"),
        ({"text": "   "}, "text is required"),
        ({"text": 7}, "Invalid text"),
        ({"text": "x" * 5001}, "Invalid text"),
        ({"price_cents": -1}, "Invalid price_cents"),
        ({"price_cents": "5"}, "Invalid price_cents"),
        ({"price_cents": 2.5}, "Invalid price_cents"),
        ({"sent_by_ai": "false"}, "Invalid sent_by_ai"),
        ({"sent_by_ai": 0}, "Invalid sent_by_ai"),
    ]

    def body(self, objs):
        return {"text": "Thanks for the tip!", "price_cents": 0, "sent_by_ai": True}


def test_send_is_outgoing_and_updates_the_conversation(crm_client, creator):
    conversation = ConversationFactory(fan=FanFactory(creator=creator))
    services.message_add(conversation=conversation, direction="in", text="hey")
    body = {"text": "x" * 5000, "price_cents": 1500, "sent_by_ai": True, "direction": "in"}
    response = crm_client.post(f"/api/crm/conversations/{conversation.pk}/messages", body, format="json")
    assert_status(response, 201)
    message = response.json()["message"]
    assert set(message) == MESSAGE_KEYS
    assert (message["direction"], message["price_cents"], message["sent_by_ai"]) == ("out", 1500, True)
    assert message["sent_by"] == {"type": "ai", "id": None, "name": None}
    conversation.refresh_from_db()
    assert conversation.message_count == 2


def test_list_is_oldest_first_and_pages(crm_client, creator):
    conversation = ConversationFactory(fan=FanFactory(creator=creator))
    sent = [services.message_add(conversation=conversation, direction="in", text=str(i)).pk for i in range(5)]
    url = f"/api/crm/conversations/{conversation.pk}/messages"
    first = crm_client.get(f"{url}?limit=3").json()
    assert [m["id"] for m in first["messages"]] == sent[:3]
    second = crm_client.get(url, {"limit": 3, "cursor": first["next_cursor"]}).json()
    assert [m["id"] for m in second["messages"]] == sent[3:]
    assert second["next_cursor"] is None
    newest = crm_client.get(f"{url}?ordering=-created_at&limit=1").json()["messages"]
    assert [m["id"] for m in newest] == [sent[-1]]


def test_messages_of_another_creators_conversation_are_hidden(other_crm_client, objs):
    response = other_crm_client.get(f"/api/crm/conversations/{objs['conversation']}/messages")
    assert_crm_error(response, 404, "Conversation not found")
