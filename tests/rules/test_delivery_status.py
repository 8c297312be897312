"""The delivery status of a new outgoing message, through every entry point that writes one.

The rule (crm.delivery.initial_status, applied by crm.services.message_add): a message written to
reach the fan in an Instagram conversation is `queued` (then sent once) when the creator's account
has a token and delivery on, else `recorded` and nothing is sent; in an OnlyFans conversation it
is `manual` from the inbox and `recorded` from an API (the client sent it itself).

| entry point                     | request                                                   |
|---------------------------------|-----------------------------------------------------------|
| page: thread reply              | POST /inbox/<id>/send                                     |
| /api/crm: send a message        | POST /api/crm/conversations/<id>/messages                 |
| /api/v1: send a message         | POST /api/v1/messages                                     |
| /api/v1: new conversation       | POST /api/v1/conversations (with `message`)               |
| admin, management commands      | none (they write no outgoing messages)                    |

In a visitor chat's conversation (issue 19) every door gives `sent`: the chat is its transport.
"""

import pytest

from crm.choices import DeliveryStatus, Direction, Platform
from crm.models import Message
from tests.factories import ConversationFactory, FanFactory, PlatformAccountFactory
from tests.helpers import assert_status, send_json

pytestmark = pytest.mark.django_db


def page_reply(d, conversation):
    return d.page.post(f"/inbox/{conversation.pk}/send", {"text": "Hello from the rule"}), 302


def crm_send(d, conversation):
    return send_json(d.crm, "post", f"/api/crm/conversations/{conversation.pk}/messages", {"text": "Hello from the rule"}), 201


def v1_send(d, conversation):
    body = {"conversation_id": conversation.pk, "message": "Hello from the rule"}
    return send_json(d.v1, "post", "/api/v1/messages", body), 201


def v1_new_conversation(d, conversation):
    body = {"interaction_id": conversation.fan_id, "subject": "New thread", "message": "Hello from the rule"}
    return send_json(d.v1, "post", "/api/v1/conversations", body), 201


DOORS = {
    "page thread reply": page_reply,
    "api crm send": crm_send,
    "api v1 send": v1_send,
    "api v1 new conversation": v1_new_conversation,
}


def written(door: str, doors, conversation, capture):
    with capture(execute=True):
        response, ok = DOORS[door](doors, conversation)
    assert_status(response, ok)
    return Message.objects.get(direction=Direction.OUTGOING, text="Hello from the rule")


@pytest.mark.parametrize("delivering", [True, False], ids=["delivery on", "delivery off"])
@pytest.mark.parametrize("door", DOORS)
def test_instagram_messages_are_sent_only_when_the_account_opted_in(doors, door, delivering, fake_graph, django_capture_on_commit_callbacks):
    PlatformAccountFactory(creator=doors.creator, access_token="tok" if delivering else "", delivery_enabled=delivering)
    fan = FanFactory(creator=doors.creator, platform=Platform.INSTAGRAM, platform_id="424242")
    conversation = ConversationFactory(creator=doors.creator, fan=fan, platform=Platform.INSTAGRAM)
    message = written(door, doors, conversation, django_capture_on_commit_callbacks)
    if delivering:
        assert message.delivery_status == DeliveryStatus.SENT and message.platform_message_id
        assert [r.body["message"]["text"] for r in fake_graph.requests] == ["Hello from the rule"]
    else:
        assert message.delivery_status == DeliveryStatus.RECORDED
        assert fake_graph.requests == []


@pytest.mark.parametrize("door", DOORS)
def test_onlyfans_messages_are_manual_from_the_inbox_and_recorded_from_the_apis(doors, door, fake_graph, django_capture_on_commit_callbacks):
    fan = FanFactory(creator=doors.creator, platform=Platform.ONLYFANS)
    conversation = ConversationFactory(creator=doors.creator, fan=fan, platform=Platform.ONLYFANS)
    message = written(door, doors, conversation, django_capture_on_commit_callbacks)
    expected = DeliveryStatus.MANUAL if door.startswith("page") else DeliveryStatus.RECORDED
    assert message.delivery_status == expected
    assert fake_graph.requests == []


@pytest.mark.parametrize("door", [d for d in DOORS if d != "api v1 new conversation"])
def test_visitor_chat_replies_are_sent_to_the_chat_and_other_direct_replies_are_not(doors, door, django_capture_on_commit_callbacks):
    # Issue 19: a visitor chat's conversation is its own transport (docs/chat.md).
    from tests.factories import ChatVisitorFactory

    visitor = ChatVisitorFactory(creator=doors.creator)
    message = written(door, doors, visitor.conversation, django_capture_on_commit_callbacks)
    assert message.delivery_status == DeliveryStatus.SENT
    message.delete()
    contact_fan = FanFactory(creator=doors.creator, platform=Platform.DIRECT)
    contact_thread = ConversationFactory(creator=doors.creator, fan=contact_fan, platform=Platform.DIRECT)
    other = written(door, doors, contact_thread, django_capture_on_commit_callbacks)
    assert other.delivery_status == (DeliveryStatus.MANUAL if door.startswith("page") else DeliveryStatus.RECORDED)
