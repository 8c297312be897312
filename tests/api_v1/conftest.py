"""Fixtures for the /api/v1 tests: one creator's data and a look-alike of another creator's."""

from dataclasses import dataclass

import pytest

from core.uploads import ATTACHMENT_KINDS, check_upload, upload_from_bytes
from crm import services
from crm.choices import Direction
from tests.factories import ConversationFactory, FanFactory

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"0" * 64


def attach(conversation, name="photo.png", data=PNG, direction=Direction.INCOMING, text=""):
    upload = check_upload(upload_from_bytes(name, data), kinds=ATTACHMENT_KINDS)
    return services.message_add(conversation=conversation, direction=direction, text=text, attachment=upload)


@dataclass
class World:
    fan: object
    conversation: object
    message: object
    file_message: object

    def ids(self) -> dict:
        return {
            "fan": self.fan.pk,
            "conversation": self.conversation.pk,
            "message": self.message.pk,
            "file": self.file_message.pk,
        }


def build_world(creator) -> World:
    fan = FanFactory(creator=creator, client_identifier="client123")
    conversation = ConversationFactory(fan=fan, subject="Initial Contact")
    message = services.message_add(conversation=conversation, direction=Direction.INCOMING, text="Hi there")
    file_message = attach(conversation)
    return World(fan=fan, conversation=conversation, message=message, file_message=file_message)


@pytest.fixture
def world(creator):
    return build_world(creator)


@pytest.fixture
def other_world(other_creator):
    return build_world(other_creator)
