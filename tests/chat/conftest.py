"""Fixtures of the visitor chat tests: a visitor's browser (a client with its own cookie jar)."""

import pytest
from django.test import Client

from crm import chat
from crm.models import ChatVisitor

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"0" * 64
ORIGIN = "http://testserver"


class Visitor:
    """A visitor's browser on one creator's page: JSON calls of /api/chat/* with its cookie."""

    def __init__(self, creator, address="203.0.113.10"):
        self.creator = creator
        self.client = Client(REMOTE_ADDR=address, HTTP_ORIGIN=ORIGIN)

    def start(self, **overrides):
        body = {"model_id": self.creator.slug, "name": "Robin Visitor", "consent": True, **overrides}
        return self.client.post("/api/chat/start", body, content_type="application/json")

    def send(self, text="Hello there", **extra):
        body = {"model_id": self.creator.slug, "text": text, **extra}
        return self.client.post("/api/chat/messages", body, content_type="application/json")

    def send_files(self, files, text=""):
        data = {"model_id": self.creator.slug, "files": files}
        if text:
            data["text"] = text
        return self.client.post("/api/chat/messages", data)

    def messages(self, after=0):
        return self.client.get("/api/chat/messages", {"model_id": self.creator.slug, "after": after})

    @property
    def token(self):
        return self.client.cookies[chat.cookie_name(self.creator)].value

    @property
    def visitor(self):
        return ChatVisitor.objects.select_related("conversation", "fan", "creator").order_by("-pk").first()


@pytest.fixture
def visitor(creator):
    browser = Visitor(creator)
    assert browser.start().status_code == 201
    return browser
