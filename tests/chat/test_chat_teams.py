"""A visitor chat in an agency (issue 17): any member with a live page open makes the team online,
a chatter answers the visitor live, ends the chat and blocks the visitor; confirming the suggested
fan and the away message are a manager's; the visitor's email shows only to who sees private
fields."""

import pytest
from django.test import Client

from core import crypto
from crm import chat
from crm.choices import DeliveryStatus
from crm.models import ChatVisitor, Message
from tests.factories import FanFactory, MembershipFactory, UserFactory

from .conftest import Visitor

pytestmark = pytest.mark.django_db


def member_client(creator, role):
    user = MembershipFactory(creator=creator, role=role, user=UserFactory(username=f"{role}-{creator.pk}")).user
    client = Client()
    client.force_login(user)
    return client


def test_a_chatter_answers_ends_and_blocks_but_does_not_link(creator):
    known = FanFactory(creator=creator)
    known.email_hash = crypto.email_hash("seen@example.com")
    known.save()
    browser = Visitor(creator)
    browser.start(email="seen@example.com")
    conversation = browser.visitor.conversation
    chatter = member_client(creator, "chatter")

    assert browser.messages().json()["chat"]["team_online"] is False
    chatter.get("/live/events")  # the chatter's live page is open
    assert browser.messages().json()["chat"]["team_online"] is True

    html = chatter.get(f"/inbox/{conversation.pk}/").content.decode()
    assert "They left an email." in html and "seen@example.com" not in html and "Confirm it is them" not in html
    chatter.post(f"/inbox/{conversation.pk}/send", {"text": "A chatter answers"})
    assert Message.objects.get(text="A chatter answers").delivery_status == DeliveryStatus.SENT
    assert "A chatter answers" in [m["text"] for m in browser.messages().json()["data"]]

    assert chatter.post(f"/inbox/{conversation.pk}/chat/link").status_code == 403
    assert chatter.post("/settings/chat", {"away_message": "Chatters cannot"}).status_code == 403
    assert chat.away_message(creator) == chat.DEFAULT_AWAY_MESSAGE
    chatter.post(f"/inbox/{conversation.pk}/chat/end")
    chatter.post(f"/inbox/{conversation.pk}/chat/block")
    visitor = ChatVisitor.objects.get()
    assert visitor.ended_at is not None and visitor.blocked_at is not None and visitor.linked_fan is None

    manager = member_client(creator, "manager")
    manager.post(f"/inbox/{conversation.pk}/chat/link")
    assert ChatVisitor.objects.get().linked_fan == known
