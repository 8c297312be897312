"""Database constraints and cascades of the CRM data model."""

import pytest
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from core.uploads import ATTACHMENT_KINDS, check_upload, upload_from_bytes
from crm import services
from crm.choices import Direction, Platform, TransactionKind
from crm.models import Conversation, Creator, Fan, Message, Tag, Transaction, User
from screening.models import ScreeningFile, ScreeningMethod
from tests.factories import (
    ConversationFactory,
    CreatorFactory,
    FanFactory,
    MessageFactory,
    ScreeningFileFactory,
    ScreeningMethodFactory,
    TagFactory,
    TransactionFactory,
)

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def violates_constraint(create) -> bool:
    try:
        with transaction.atomic():
            create()
    except IntegrityError:
        return True
    return False


def test_platform_id_is_unique_per_creator_and_platform(creator, other_creator):
    FanFactory(creator=creator, platform=Platform.ONLYFANS, platform_id="u1")
    assert violates_constraint(lambda: FanFactory(creator=creator, platform=Platform.ONLYFANS, platform_id="u1"))
    # Same id on another platform or for another creator is another person.
    FanFactory(creator=creator, platform=Platform.FANSLY, platform_id="u1")
    FanFactory(creator=other_creator, platform=Platform.ONLYFANS, platform_id="u1")
    assert Fan.objects.filter(platform_id="u1").count() == 3


@pytest.mark.parametrize("empty", [None, ""])
def test_fans_without_platform_id_are_not_unique(creator, empty):
    for _ in range(3):
        FanFactory(creator=creator, platform=Platform.DIRECT, platform_id=empty)
    assert Fan.objects.filter(creator=creator, platform=Platform.DIRECT).count() == 3


def test_tag_name_is_unique_per_creator(creator, other_creator):
    Tag.objects.create(creator=creator, name="vip")
    assert violates_constraint(lambda: Tag.objects.create(creator=creator, name="vip"))
    Tag.objects.create(creator=other_creator, name="vip")
    assert Tag.objects.filter(name="vip").count() == 2


@pytest.mark.parametrize("amount", [0, -100])
def test_transaction_amount_must_be_positive_in_the_database(amount):
    fan = FanFactory()
    assert violates_constraint(
        lambda: Transaction.objects.create(
            creator=fan.creator, fan=fan, kind=TransactionKind.TIP, amount_cents=amount,
            platform=fan.platform, occurred_at="2026-01-01T00:00:00Z",
        )
    )


def test_message_platform_id_is_unique_per_conversation():
    conversation = ConversationFactory()
    other = ConversationFactory(fan=conversation.fan)
    first = Message.objects.create(
        conversation=conversation, creator=conversation.creator, fan=conversation.fan,
        direction=Direction.INCOMING, platform_message_id="m1", created_at="2026-01-01T00:00:00Z",
    )
    assert violates_constraint(
        lambda: Message.objects.create(
            conversation=conversation, creator=conversation.creator, fan=conversation.fan,
            direction=Direction.INCOMING, platform_message_id="m1", created_at="2026-01-01T00:00:00Z",
        )
    )
    # Another conversation may reuse the id, and messages without one never clash.
    MessageFactory(conversation=other, platform_message_id="m1")
    MessageFactory(conversation=conversation)
    MessageFactory(conversation=conversation)
    assert first.pk and Message.objects.count() == 4


def test_conversation_platform_id_is_unique_per_creator_and_platform():
    conversation = ConversationFactory(platform_conversation_id="t1")
    assert violates_constraint(
        lambda: ConversationFactory(fan=conversation.fan, platform_conversation_id="t1")
    )


def test_user_email_is_unique_case_insensitively():
    User.objects.create_user(username="a", email="same@example.com")
    assert violates_constraint(lambda: User.objects.create_user(username="b", email="SAME@example.com"))


def _fan_with_everything(creator):
    """A fan with a conversation, messages (one with a stored attachment), money and screening."""
    fan = FanFactory(creator=creator)
    conversation, _ = services.conversation_open(fan=fan)
    services.message_add(conversation=conversation, direction=Direction.INCOMING, text="hi")
    upload = check_upload(upload_from_bytes("photo.png", PNG), kinds=ATTACHMENT_KINDS)
    with_file = services.message_add(conversation=conversation, direction=Direction.OUTGOING, attachment=upload)
    TransactionFactory(fan=fan, kind=TransactionKind.TIP, amount_cents=500)
    ScreeningMethodFactory(fan=fan)
    screening_file = ScreeningFileFactory(fan=fan)
    stored = [with_file.attachment.name, screening_file.file.name]
    assert all(default_storage.exists(name) for name in stored)
    return fan, stored


def _rows_under(creator_id=None, fan_id=None) -> dict[str, int]:
    scope = {"fan__creator_id": creator_id} if creator_id else {"fan_id": fan_id}
    return {
        "conversations": Conversation.objects.filter(**scope).count(),
        "messages": Message.objects.filter(**scope).count(),
        "transactions": Transaction.objects.filter(**scope).count(),
        "screening methods": ScreeningMethod.objects.filter(**scope).count(),
        "screening files": ScreeningFile.objects.filter(**scope).count(),
    }


def test_deleting_a_fan_removes_everything_under_it_and_its_files_after_commit(
    creator, django_capture_on_commit_callbacks
):
    fan, stored = _fan_with_everything(creator)
    neighbour, neighbour_files = _fan_with_everything(creator)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.fan_delete(fan=fan)
    # Files stay until the deletion commits (a rollback must not lose them).
    assert callbacks and all(default_storage.exists(name) for name in stored)
    for callback in callbacks:
        callback()
    assert not any(default_storage.exists(name) for name in stored)
    assert set(_rows_under(fan_id=fan.pk).values()) == {0}
    assert all(count > 0 for count in _rows_under(fan_id=neighbour.pk).values())
    assert all(default_storage.exists(name) for name in neighbour_files)


def test_deleting_a_creator_removes_fans_and_everything_under_them(django_capture_on_commit_callbacks):
    creator = CreatorFactory()
    survivor = CreatorFactory()
    _, stored_a = _fan_with_everything(creator)
    _, stored_b = _fan_with_everything(creator)
    _, kept = _fan_with_everything(survivor)
    TagFactory(creator=creator, name="vip")
    creator_id = creator.pk
    with django_capture_on_commit_callbacks(execute=True):
        creator.user.delete()
    assert not Creator.objects.filter(pk=creator_id).exists()
    assert not Fan.objects.filter(creator_id=creator_id).exists()
    assert not Tag.objects.filter(creator_id=creator_id).exists()
    assert set(_rows_under(creator_id=creator_id).values()) == {0}
    assert not any(default_storage.exists(name) for name in stored_a + stored_b)
    assert all(default_storage.exists(name) for name in kept)
    assert all(count > 0 for count in _rows_under(creator_id=survivor.pk).values())


def test_a_rolled_back_deletion_keeps_the_files(creator, django_capture_on_commit_callbacks):
    fan, stored = _fan_with_everything(creator)
    fan_id = fan.pk
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                services.fan_delete(fan=fan)
                raise RuntimeError("abort")
        except RuntimeError:
            pass
    assert callbacks == []
    assert Fan.objects.filter(pk=fan_id).exists()
    assert all(default_storage.exists(name) for name in stored)
