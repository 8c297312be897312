"""The team's side of a visitor chat: the inbox shows it with the visitor online or away, replies
from the inbox and both APIs reach the visitor (status `sent`), the thread ends the chat, blocks
the visitor and confirms a suggested fan; the away message is set on the settings page."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core import crypto
from crm import chat
from crm.choices import DeliveryStatus
from crm.models import ChatBlock, ChatVisitor, Message
from tests.factories import FanFactory
from tests.helpers import assert_status

pytestmark = pytest.mark.django_db


def test_the_inbox_shows_chats_with_the_visitor_online_or_away(page_client, creator, visitor):
    visitor.send("Anyone?")
    html = page_client.get("/inbox/").content.decode()
    assert "Chat · online" in html and "Robin Visitor" in html
    ChatVisitor.objects.update(last_seen_at=timezone.now() - timedelta(hours=1))
    assert "Chat · away" in page_client.get("/inbox/").content.decode()
    chat.chat_end(visitor=visitor.visitor)
    assert "Chat · ended" in page_client.get("/inbox/").content.decode()


def test_an_inbox_reply_is_sent_to_the_chat(page_client, visitor):
    conversation = visitor.visitor.conversation
    html = page_client.get(f"/inbox/{conversation.pk}/").content.decode()
    assert "Replies reach the visitor&#x27;s chat at once." in html and 'id="chat-panel"' in html
    response = page_client.post(f"/inbox/{conversation.pk}/send", {"text": "Hello from the inbox"}, follow=True)
    assert "Reply sent to the visitor&#x27;s chat." in response.content.decode()
    reply = Message.objects.get(text="Hello from the inbox")
    assert reply.delivery_status == DeliveryStatus.SENT
    assert [m["text"] for m in visitor.messages().json()["data"]] == ["Hello from the inbox"]


def test_api_replies_reach_the_visitor(crm_client, v1_client, visitor):
    conversation = visitor.visitor.conversation
    assert_status(crm_client.post(f"/api/crm/conversations/{conversation.pk}/messages", {"text": "From /api/crm"}, format="json"), 201)
    assert_status(v1_client.post("/api/v1/messages", {"conversation_id": conversation.pk, "message": "From /api/v1"}, format="json"), 201)
    assert {m.delivery_status for m in Message.objects.all()} == {DeliveryStatus.SENT}
    assert [m["text"] for m in visitor.messages().json()["data"]] == ["From /api/crm", "From /api/v1"]


def test_the_thread_ends_the_chat_and_blocks_the_visitor(page_client, creator, visitor):
    conversation = visitor.visitor.conversation
    page_client.post(f"/inbox/{conversation.pk}/chat/end")
    assert ChatVisitor.objects.get().ended_at is not None
    assert visitor.send("hello?").status_code == 409
    page_client.post(f"/inbox/{conversation.pk}/chat/block")
    assert ChatBlock.objects.filter(creator=creator).count() == 1
    html = page_client.get(f"/inbox/{conversation.pk}/").content.decode()
    assert "blocked" in html and "Block visitor" not in html


def test_a_thread_that_is_no_chat_has_no_chat_actions(page_client, creator):
    from tests.factories import ConversationFactory

    conversation = ConversationFactory(creator=creator)
    assert page_client.post(f"/inbox/{conversation.pk}/chat/block").status_code == 404


def test_another_creators_team_cannot_touch_a_chat(other_page_client, visitor):
    conversation = visitor.visitor.conversation
    assert other_page_client.post(f"/inbox/{conversation.pk}/chat/block").status_code == 404
    assert not ChatBlock.objects.exists()


def test_the_creator_confirms_the_suggested_fan(page_client, creator):
    from .conftest import Visitor

    known = FanFactory(creator=creator, name="Known Fan")
    known.email_hash = crypto.email_hash("k@example.com")
    known.save()
    browser = Visitor(creator)
    browser.start(email="k@example.com")
    conversation = browser.visitor.conversation
    html = page_client.get(f"/inbox/{conversation.pk}/").content.decode()
    assert "Confirm it is them" in html and "Known Fan" in html
    page_client.post(f"/inbox/{conversation.pk}/chat/link")
    assert ChatVisitor.objects.get().linked_fan == known
    assert "Linked to" in page_client.get(f"/inbox/{conversation.pk}/").content.decode()


def test_the_away_message_is_set_in_settings(page_client, creator):
    page_client.post("/settings/chat", {"away_message": "Back tomorrow at nine."})
    assert chat.away_message(creator) == "Back tomorrow at nine."
    assert "Back tomorrow at nine." in page_client.get("/settings/").content.decode()
    page_client.post("/settings/chat", {"away_message": "<b>hi</b>"})
    assert chat.away_message(creator) == "Back tomorrow at nine."  # markup refused
    page_client.post("/settings/chat", {"away_message": ""})
    assert chat.away_message(creator) == chat.DEFAULT_AWAY_MESSAGE


def test_a_live_page_marks_the_team_online_for_visitors(page_client, creator, visitor):
    assert visitor.messages().json()["chat"]["team_online"] is False
    page_client.get("/live/events")
    state = visitor.messages().json()["chat"]
    assert state["team_online"] is True and state["away_message"] == ""


def test_the_inbox_query_count_does_not_grow_with_chats(page_client, creator):
    from .conftest import Visitor

    def count_for(chats):
        for i in range(chats):
            browser = Visitor(creator, address=f"198.51.100.{i + 20}")
            browser.start(name=f"Visitor {i}")
            browser.send("hi")
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            html = page_client.get("/inbox/").content.decode()
        assert html.count("Chat · online") == ChatVisitor.objects.count()
        return len(queries)

    assert count_for(1) == count_for(6)
