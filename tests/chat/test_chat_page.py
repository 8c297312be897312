"""The visitor chat on /c/<slug>/ without JavaScript: plain forms and a refresh; and the visitor's
live stream (under WSGI it answers what is new and ends)."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from crm import chat, services
from crm.choices import Direction
from crm.delivery import VIA_INBOX
from crm.models import ChatVisitor, Message

from .conftest import PNG, Visitor

pytestmark = pytest.mark.django_db


def page(client, creator):
    response = client.get(f"/c/{creator.slug}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_offers_chat_beside_the_contact_form(creator):
    html = page(Client(), creator)
    assert 'id="chat-start"' in html and "Chat now" in html and "Send message" in html
    assert chat.DEFAULT_AWAY_MESSAGE in html  # nobody of the team is online
    assert "js/chat.js" not in html  # no chat yet, nothing to watch


def test_start_send_and_read_replies_without_javascript(creator):
    client = Client(REMOTE_ADDR="203.0.113.5")
    response = client.post(f"/c/{creator.slug}/chat/start", {"name": "Page Visitor", "consent": "on"})
    assert response.status_code == 302 and response["Location"].endswith("#chat")
    assert client.cookies[chat.cookie_name(creator)]["httponly"]
    response = client.post(
        f"/c/{creator.slug}/chat/send", {"text": "Hello from a form", "files": [SimpleUploadedFile("p.png", PNG)]}
    )
    assert response.status_code == 302
    visitor = ChatVisitor.objects.get()
    services.message_add(conversation=visitor.conversation, direction=Direction.OUTGOING, text="A reply <b>bold</b>", via=VIA_INBOX)
    html = page(client, creator)
    assert "Hello from a form" in html and "p.png" in html
    assert "A reply &lt;b&gt;bold&lt;/b&gt;" in html  # stored as typed, shown escaped
    assert 'id="chat-send"' in html and "js/chat.js" in html
    assert f'data-chat-live-url="/live/chat/{creator.slug}/events"' in html


def test_page_refusals_say_why_and_store_nothing(creator):
    client = Client()
    response = client.post(f"/c/{creator.slug}/chat/start", {"name": "<i>x</i>", "consent": "on"})
    assert response.status_code == 400 and "markup is not allowed" in response.content.decode()
    response = client.post(f"/c/{creator.slug}/chat/start", {"name": "Robin"})
    assert response.status_code == 400 and "You must agree to be contacted" in response.content.decode()
    # A bot that fills a honeypot learns nothing; nothing is stored.
    response = client.post(f"/c/{creator.slug}/chat/start", {"name": "Robin", "consent": "on", "website": "x"})
    assert response.status_code == 302 and not ChatVisitor.objects.exists()
    assert Client().post("/c/no-such-creator/chat/start", {"name": "Robin", "consent": "on"}).status_code == 404


def test_away_message_and_leaving_an_email(creator):
    chat.chat_settings_update(creator=creator, away_message="Back at nine, leave your email.")
    client = Client()
    client.post(f"/c/{creator.slug}/chat/start", {"name": "Robin", "consent": "on"})
    html = page(client, creator)
    assert "Back at nine, leave your email." in html and 'id="chat-email"' in html
    client.post(f"/c/{creator.slug}/chat/email", {"email": "robin@example.com"})
    assert ChatVisitor.objects.get().email == "robin@example.com"
    chat.team_seen(creator.pk)
    html = page(client, creator)
    assert "The team is online." in html and 'id="chat-email"' not in html


def test_blocked_visitor_page_shows_no_send_form(creator):
    client = Client()
    client.post(f"/c/{creator.slug}/chat/start", {"name": "Robin", "consent": "on"})
    chat.chat_block(visitor=ChatVisitor.objects.get())
    html = page(client, creator)
    assert "This chat is not available to you." in html and 'id="chat-send"' not in html
    response = client.post(f"/c/{creator.slug}/chat/send", {"text": "hi"})
    assert response.status_code == 403 and Message.objects.count() == 0


def _events(client, creator, after=0):
    response = client.get(f"/live/chat/{creator.slug}/events", {"after": after})
    body = b"".join(response.streaming_content).decode() if response.status_code == 200 else response.content.decode()
    return response.status_code, body


def test_the_visitor_stream_carries_their_own_chat_only(creator, visitor):
    v = visitor.visitor
    other = Visitor(creator, address="203.0.113.77")
    other.start()
    other.send("someone else's secret")
    visitor.send("my own words")
    services.message_add(conversation=v.conversation, direction=Direction.OUTGOING, text="team reply", via=VIA_INBOX)
    status, body = _events(visitor.client, creator)
    assert status == 200
    datas = [json.loads(line[6:]) for line in body.splitlines() if line.startswith("data: ")]
    html = " ".join(d["html"] for d in datas)
    assert "my own words" in html and "team reply" in html and "secret" not in html


def test_the_visitor_stream_refuses_others(creator, visitor):
    assert _events(Client(), creator)[0] == 403
    v = visitor.visitor
    foreign = Client(HTTP_ORIGIN="https://evil.example")
    foreign.cookies[chat.cookie_name(creator)] = visitor.token
    assert _events(foreign, creator)[0] == 403
    chat.chat_block(visitor=v)
    assert _events(visitor.client, creator)[0] == 403
