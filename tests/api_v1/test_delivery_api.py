"""The delivery extensions of both APIs: `delivery` and `reply_to_id` on messages, `reply_to` when
sending; an existing client's messages are recorded, never sent, until the account opts in."""

import pytest

from crm import services
from crm.choices import Direction, Platform
from crm.models import Message
from tests.factories import ConversationFactory, FanFactory, PlatformAccountFactory
from tests.helpers import assert_crm_error, assert_status, assert_v1_error, send_json

pytestmark = pytest.mark.django_db


@pytest.fixture
def ig_conversation(creator):
    fan = FanFactory(creator=creator, platform=Platform.INSTAGRAM, platform_id="5550001")
    return ConversationFactory(creator=creator, fan=fan, platform=Platform.INSTAGRAM)


def deliver_on(creator):
    return PlatformAccountFactory(creator=creator, access_token="tok", delivery_enabled=True)


def v1_send(client, conversation, **body):
    return send_json(client, "post", "/api/v1/messages", {"conversation_id": conversation.pk, "message": "Hi there", **body})


def crm_send(client, conversation, **body):
    return send_json(client, "post", f"/api/crm/conversations/{conversation.pk}/messages", {"text": "Hi there", **body})


@pytest.mark.parametrize("surface", ["v1", "crm"])
def test_existing_clients_record_and_nothing_is_sent(v1_client, crm_client, ig_conversation, fake_graph, django_capture_on_commit_callbacks, surface):
    PlatformAccountFactory(creator=ig_conversation.creator, access_token="tok", delivery_enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = v1_send(v1_client, ig_conversation) if surface == "v1" else crm_send(crm_client, ig_conversation)
    data = assert_status(response, 201)
    message = data["data"] if surface == "v1" else data["message"]
    assert message["delivery"]["status"] == "recorded" and message["reply_to_id"] is None
    assert fake_graph.requests == []


@pytest.mark.parametrize("surface", ["v1", "crm"])
def test_with_delivery_on_a_message_is_queued_and_sent(v1_client, crm_client, ig_conversation, fake_graph, django_capture_on_commit_callbacks, surface):
    deliver_on(ig_conversation.creator)
    with django_capture_on_commit_callbacks(execute=True):
        response = v1_send(v1_client, ig_conversation) if surface == "v1" else crm_send(crm_client, ig_conversation)
    data = assert_status(response, 201)
    message = data["data"] if surface == "v1" else data["message"]
    assert message["delivery"] == {
        "status": "queued", "error": None, "error_code": None, "advice": None,
        "will_retry": False, "next_attempt_at": None, "retry_safe": False,
    }
    assert Message.objects.get().delivery_status == "sent" and len(fake_graph.requests) == 1
    # Reading it again shows where it stands.
    if surface == "v1":
        again = assert_status(v1_client.get(f"/api/v1/messages/{message['id']}"), 200)["data"]
    else:
        again = assert_status(crm_client.get(f"/api/crm/conversations/{ig_conversation.pk}/messages"), 200)["messages"][0]
    assert again["delivery"]["status"] == "sent"


def test_incoming_messages_have_no_delivery(v1_client, ig_conversation):
    services.message_add(conversation=ig_conversation, direction=Direction.INCOMING, text="yo")
    rows = assert_status(v1_client.get(f"/api/v1/messages?conversation_id={ig_conversation.pk}"), 200)["data"]
    assert rows[0]["delivery"] is None


def test_reply_to_a_comment_and_refusals(v1_client, crm_client, ig_conversation, fake_graph, django_capture_on_commit_callbacks):
    deliver_on(ig_conversation.creator)
    comment = services.message_add(
        conversation=ig_conversation, direction=Direction.INCOMING, text="wow", platform_message_id="1786000", is_comment=True
    )
    dm = services.message_add(conversation=ig_conversation, direction=Direction.INCOMING, text="dm")
    assert_v1_error(v1_send(v1_client, ig_conversation, reply_to=dm.pk), 400, "Invalid reply_to")
    assert_crm_error(crm_send(crm_client, ig_conversation, reply_to=999999), 400, "Invalid reply_to")
    assert_v1_error(v1_send(v1_client, ig_conversation, message="z" * 1001), 400)
    with django_capture_on_commit_callbacks(execute=True):
        data = assert_status(v1_send(v1_client, ig_conversation, reply_to=comment.pk), 201)["data"]
    assert data["reply_to_id"] == comment.pk
    assert [r.path for r in fake_graph.requests] == ["/v23.0/1786000/replies"]


def test_another_creators_conversation_is_404(v1_client, other_creator, fake_graph):
    theirs = ConversationFactory(fan=FanFactory(creator=other_creator, platform=Platform.INSTAGRAM), platform=Platform.INSTAGRAM)
    deliver_on(other_creator)
    assert_v1_error(v1_send(v1_client, theirs), 404)
    assert fake_graph.requests == []
