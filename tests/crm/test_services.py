"""Services keep counters, response times and fan value exact."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from core.exceptions import AlreadyExists, InvalidInput
from crm import services
from crm.choices import ClientCategory, Direction, Platform, ScreeningStatus, TransactionKind
from crm.models import Conversation, Fan, Message, Tag, Transaction
from tests.factories import ConversationFactory, FanFactory

pytestmark = pytest.mark.django_db

T0 = timezone.now().replace(microsecond=0) - timedelta(days=3)


def at(seconds: int):
    return T0 + timedelta(seconds=seconds)


def add(conversation, direction, seconds, **extra):
    return services.message_add(conversation=conversation, direction=direction, created_at=at(seconds), **extra)


def test_counters_follow_every_message():
    conversation = ConversationFactory()
    add(conversation, Direction.INCOMING, 0)
    add(conversation, Direction.INCOMING, 10)
    add(conversation, Direction.OUTGOING, 20)
    add(conversation, Direction.SYSTEM, 30)
    conversation.refresh_from_db()
    assert conversation.message_count == 4
    assert conversation.unread_count == 2  # only incoming messages are unread
    assert conversation.last_message_at == at(30)


def test_last_message_at_never_goes_back_for_an_older_import():
    conversation = ConversationFactory()
    add(conversation, Direction.INCOMING, 100)
    add(conversation, Direction.INCOMING, 50)
    conversation.refresh_from_db()
    assert conversation.last_message_at == at(100)
    assert conversation.message_count == 2


def test_response_seconds_counts_from_the_oldest_unanswered_incoming_message():
    conversation = ConversationFactory()
    first_out = add(conversation, Direction.OUTGOING, 0)
    add(conversation, Direction.INCOMING, 100)
    add(conversation, Direction.INCOMING, 160)
    reply = add(conversation, Direction.OUTGOING, 400)
    follow_up = add(conversation, Direction.OUTGOING, 500)
    add(conversation, Direction.INCOMING, 1000)
    add(conversation, Direction.SYSTEM, 1100)  # system messages neither answer nor wait
    second_reply = add(conversation, Direction.OUTGOING, 1300)
    # Nothing incoming before it, or already answered: no response time.
    assert first_out.response_seconds is None
    assert follow_up.response_seconds is None
    assert reply.response_seconds == 300  # since the oldest incoming after the previous outgoing
    assert second_reply.response_seconds == 300
    stored = dict(Message.objects.filter(direction=Direction.OUTGOING).values_list("id", "response_seconds"))
    assert stored == {first_out.pk: None, reply.pk: 300, follow_up.pk: None, second_reply.pk: 300}


def test_incoming_and_outgoing_messages_touch_the_fan():
    conversation = ConversationFactory()
    add(conversation, Direction.INCOMING, 10)
    add(conversation, Direction.OUTGOING, 20)
    fan = Fan.objects.get(pk=conversation.fan_id)
    assert fan.last_seen_at == at(10)
    assert fan.last_contacted_at == at(20)


def test_message_add_is_idempotent_on_platform_message_id():
    conversation = ConversationFactory()
    first = add(conversation, Direction.INCOMING, 0, platform_message_id="mid.1", text="hi")
    again = add(conversation, Direction.INCOMING, 5, platform_message_id="mid.1", text="hi")
    conversation.refresh_from_db()
    assert again.pk == first.pk
    assert conversation.message_count == 1 and conversation.unread_count == 1


@pytest.mark.parametrize("bad", [{"direction": "sideways"}, {"direction": "in", "message_type": "video"}])
def test_message_add_rejects_unknown_choices(bad):
    conversation = ConversationFactory()
    with pytest.raises(InvalidInput):
        services.message_add(conversation=conversation, **bad)
    assert Message.objects.count() == 0


def test_mark_read_clears_unread_and_stamps_incoming_messages():
    conversation = ConversationFactory()
    incoming = [add(conversation, Direction.INCOMING, s) for s in (0, 10)]
    outgoing = add(conversation, Direction.OUTGOING, 20)
    services.conversation_mark_read(conversation=conversation)
    assert conversation.unread_count == 0
    assert Conversation.objects.get(pk=conversation.pk).unread_count == 0
    assert all(Message.objects.get(pk=m.pk).read_at is not None for m in incoming)
    assert Message.objects.get(pk=outgoing.pk).read_at is None
    add(conversation, Direction.INCOMING, 30)
    conversation.refresh_from_db()
    assert conversation.unread_count == 1
    assert conversation.message_count == 4


def test_transaction_record_keeps_fan_value_exact_with_refunds_and_opening_balances():
    fan = FanFactory()
    for kind, cents in [
        (TransactionKind.OPENING_BALANCE, 10_000),
        (TransactionKind.SUBSCRIPTION, 999),
        (TransactionKind.TIP, 2_500),
        (TransactionKind.PPV, 1_500),
        (TransactionKind.OTHER, 1),
        (TransactionKind.REFUND, 1_500),
    ]:
        services.transaction_record(fan=fan, kind=kind, amount_cents=cents, occurred_at=at(0))
    fan.refresh_from_db()
    assert fan.value_cents == 10_000 + 999 + 2_500 + 1_500 + 1 - 1_500
    ledger = sum(t.signed_amount_cents for t in Transaction.objects.filter(fan=fan))
    assert ledger == fan.value_cents
    refund = Transaction.objects.get(fan=fan, kind=TransactionKind.REFUND)
    assert refund.amount_cents == 1_500  # stored positive, subtracted by its kind


def test_a_refund_may_take_the_value_below_zero():
    fan = FanFactory()
    services.transaction_record(fan=fan, kind=TransactionKind.REFUND, amount_cents=700)
    fan.refresh_from_db()
    assert fan.value_cents == -700


def test_transaction_record_dedupes_on_external_id_per_platform():
    fan = FanFactory(platform=Platform.ONLYFANS)
    txn, created = services.transaction_record(fan=fan, kind="tip", amount_cents=500, external_id="ext-1")
    again, created_again = services.transaction_record(fan=fan, kind="tip", amount_cents=500, external_id="ext-1")
    assert created and not created_again and again.pk == txn.pk
    other_platform, created_other = services.transaction_record(
        fan=fan, kind="tip", amount_cents=500, external_id="ext-1", platform=Platform.FANSLY
    )
    assert created_other and other_platform.pk != txn.pk
    fan.refresh_from_db()
    assert fan.value_cents == 1_000
    assert Transaction.objects.filter(fan=fan).count() == 2


def test_transaction_record_defaults_and_message_link():
    conversation = ConversationFactory()
    offer = add(conversation, Direction.OUTGOING, 0, price_cents=1_200)
    txn, _ = services.transaction_record(fan=conversation.fan, kind="ppv", amount_cents=1_200, message=offer)
    assert txn.platform == conversation.fan.platform
    assert txn.creator_id == conversation.creator_id
    assert txn.message_id == offer.pk
    assert abs((timezone.now() - txn.occurred_at).total_seconds()) < 60


@pytest.mark.parametrize(
    "bad",
    [
        {"kind": "gift", "amount_cents": 100},
        {"kind": "tip", "amount_cents": 0},
        {"kind": "tip", "amount_cents": -5},
        {"kind": "tip", "amount_cents": 1.5},
        {"kind": "tip", "amount_cents": "100"},
        {"kind": "tip", "amount_cents": True},
        {"kind": "tip", "amount_cents": 100, "platform": "myspace"},
        # Dates bounded for every caller, later imports included (crm.validators).
        {"kind": "tip", "amount_cents": 100, "occurred_at": datetime(143, 11, 20, tzinfo=UTC)},
        {"kind": "tip", "amount_cents": 100, "occurred_at": datetime(1999, 12, 31, 23, 59, tzinfo=UTC)},
        {"kind": "tip", "amount_cents": 100, "occurred_at": "later"},
    ],
)
def test_transaction_record_rejects_bad_input(bad):
    fan = FanFactory()
    with pytest.raises(InvalidInput):
        services.transaction_record(fan=fan, **bad)
    fan.refresh_from_db()
    assert fan.value_cents == 0 and not Transaction.objects.exists()


def test_fan_create_with_opening_balance_tags_and_defaults(creator):
    fan = services.fan_create(
        creator=creator, platform=Platform.DIRECT, email="Ana.Silva@Example.com",
        tags=["vip", " vip ", "new", ""], opening_balance_cents=5_000,
    )
    assert fan.name == "Ana.Silva"  # the email's local part when no name is given
    assert fan.platform_id is None
    assert fan.value_cents == 5_000
    assert sorted(t.name for t in fan.tags.all()) == ["new", "vip"]
    assert fan.screening_status == ScreeningStatus.PENDING
    assert fan.client_category == ClientCategory.UNSCREENED
    assert Transaction.objects.get(fan=fan).kind == TransactionKind.OPENING_BALANCE


def test_fan_create_refuses_a_duplicate_platform_id(creator):
    services.fan_create(creator=creator, platform=Platform.ONLYFANS, name="A", platform_id="of1")
    with pytest.raises(AlreadyExists):
        services.fan_create(
            creator=creator, platform=Platform.ONLYFANS, name="B", platform_id="of1",
            tags=["vip"], opening_balance_cents=500,
        )
    # The refused create left nothing behind: no second fan, no tag, no money.
    assert list(Fan.objects.values_list("name", flat=True)) == ["A"]
    assert not Tag.objects.exists()
    assert not Transaction.objects.exists()


def test_fan_update_rehashes_and_stamps_notes(creator):
    fan = services.fan_create(creator=creator, platform=Platform.DIRECT, name="A", email="a@example.com")
    old_hash = fan.email_hash
    services.fan_update(fan=fan, email="b@example.com", phone="+1 555 0100", notes="likes cats", tags=["x"])
    fan.refresh_from_db()
    assert fan.email_hash and fan.email_hash != old_hash
    assert fan.phone_hash
    assert fan.notes == "likes cats" and fan.notes_updated_at is not None
    services.fan_update(fan=fan, email="", phone="")
    fan.refresh_from_db()
    assert fan.email_hash == "" and fan.phone_hash == ""


def test_fan_screening_decide_approval_sets_category_and_decider(creator):
    fan = FanFactory(creator=creator)
    services.fan_screening_decide(fan=fan, status=ScreeningStatus.APPROVED, decided_by=creator.user)
    fan.refresh_from_db()
    assert fan.client_category == ClientCategory.SCREENED
    assert fan.screening_decided_by == creator.user and fan.screening_decided_at
    services.fan_screening_decide(fan=fan, status=ScreeningStatus.REJECTED)
    fan.refresh_from_db()
    assert fan.client_category == ClientCategory.SCREENED  # rejecting leaves the category
    with pytest.raises(InvalidInput):
        services.fan_screening_decide(fan=fan, status="maybe")


def test_conversation_open_reuses_the_open_thread_unless_told_not_to():
    fan = FanFactory()
    first, created = services.conversation_open(fan=fan)
    again, created_again = services.conversation_open(fan=fan)
    fresh, created_fresh = services.conversation_open(fan=fan, reuse=False, subject="Booking")
    assert created and not created_again and again.pk == first.pk
    assert created_fresh and fresh.pk != first.pk and fresh.subject == "Booking"
    services.conversation_update(conversation=fresh, is_archived=True)
    services.conversation_update(conversation=first, is_archived=True)
    reopened, created_reopened = services.conversation_open(fan=fan)
    assert created_reopened and reopened.pk not in (first.pk, fresh.pk)
    with pytest.raises(InvalidInput):
        services.conversation_open(fan=fan, platform="myspace")


def test_conversation_open_finds_a_thread_by_platform_conversation_id():
    fan = FanFactory(platform=Platform.INSTAGRAM)
    first, _ = services.conversation_open(fan=fan, platform_conversation_id="t_1", reuse=False)
    again, created = services.conversation_open(fan=fan, platform_conversation_id="t_1", reuse=False)
    assert not created and again.pk == first.pk


def test_creator_create_refuses_taken_slug_and_email():
    services.creator_create(slug="ana", email="ana@example.com", password="x-long-password")
    with pytest.raises(AlreadyExists):
        services.creator_create(slug="ana", email="other@example.com", password="x-long-password")
    with pytest.raises(AlreadyExists):
        services.creator_create(slug="ana2", email=" ANA@example.com ", password="x-long-password")
    with pytest.raises(InvalidInput):
        services.creator_create(slug="!!!", email="new@example.com", password="x-long-password")


def test_transaction_record_refuses_a_date_more_than_a_day_ahead():
    fan = FanFactory()
    with pytest.raises(InvalidInput, match="Invalid occurred_at"):
        services.transaction_record(fan=fan, kind="tip", amount_cents=1, occurred_at=timezone.now() + timedelta(days=2))
    txn, _created = services.transaction_record(
        fan=fan, kind="tip", amount_cents=1, occurred_at=timezone.now() + timedelta(hours=20)
    )
    assert txn.pk
