"""An agency: creator A with its own login (owner), a second owner, a manager and a chatter;
creator B of another agency with its own data; and what A owns, for route placeholders."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from crm import services
from crm.choices import Direction
from crm.models import Invitation
from tests.factories import (
    ApiKeyFactory,
    ConversationFactory,
    CreatorFactory,
    FanFactory,
    MembershipFactory,
    PlatformAccountFactory,
    ScheduledMessageFactory,
    ScreeningFileFactory,
    ScreeningMethodFactory,
    UserFactory,
)
from tests.helpers import crm_client_for
from tests.pages.test_inbox import png_upload


@dataclass
class Agency:
    creator: object
    users: dict  # role name -> user acting for `creator`
    ids: dict  # placeholders of A's objects
    other: object  # creator B
    other_ids: dict  # the same placeholders for B's objects


def objects_of(creator) -> dict:
    fan = FanFactory(creator=creator, platform="onlyfans", notes="likes cats")
    conversation = ConversationFactory(fan=fan)
    owner = Client()
    owner.force_login(creator.user)
    owner.post(f"/inbox/{conversation.pk}/send", {"text": "", "attachment": png_upload()})
    message = conversation.messages.get(direction=Direction.OUTGOING)
    return {
        "fan": fan.pk,
        "conversation": conversation.pk,
        "message": message.pk,
        "method": ScreeningMethodFactory(fan=fan).pk,
        "file": ScreeningFileFactory(fan=fan).pk,
        "key": ApiKeyFactory(creator=creator).pk,
        "account": PlatformAccountFactory(creator=creator).pk,
        "scheduled": ScheduledMessageFactory(conversation=conversation).pk,
        "creator": creator.pk,
        "member": MembershipFactory(creator=creator, role="chatter", user=UserFactory()).pk,
        "invitation": Invitation.objects.create(
            creator=creator, email=f"invited@{creator.slug}.example.com", role="chatter",
            token_hash=f"{creator.pk:064d}", expires_at=timezone.now() + timedelta(days=7),
        ).pk,
    }


@pytest.fixture
def agency(db):
    creator = CreatorFactory(slug="agency-a")
    users = {"owner": creator.user}
    for role in ("manager", "chatter"):
        users[role] = MembershipFactory(creator=creator, role=role, user=UserFactory(username=role)).user
    other = CreatorFactory(slug="agency-b")
    return Agency(creator, users, objects_of(creator), other, objects_of(other))


def page_client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_client_for(user):
    return crm_client_for(user)


def staff_member_of_b_only(agency):
    """A chatter of B (who is not a member of A)."""
    return MembershipFactory(creator=agency.other, role="chatter").user


__all__ = ["Agency", "api_client_for", "page_client_for", "services"]
