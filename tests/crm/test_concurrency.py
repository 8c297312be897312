"""Counters stay exact when many writers hit one conversation or one fan at the same time.

Each thread has its own database connection. On PostgreSQL the writers really overlap and
the row locks taken by the services serialise them; on SQLite the IMMEDIATE transactions
serialise them at BEGIN. Either way no increment may be lost.
"""

import threading
from collections.abc import Callable

import pytest
from django.core.cache import caches
from django.db import connection

from crm import services
from crm.choices import Direction, TransactionKind
from crm.models import Fan, Message, Transaction
from tests.factories import ConversationFactory, FanFactory

THREADS = 8
PER_THREAD = 25


def run_in_parallel(work: Callable[[int], None], threads: int = THREADS) -> None:
    """Run work(i) in `threads` threads that start together; re-raise the first failure."""
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def target(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            work(index)
        except BaseException as exc:  # reported by the caller below
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=target, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not any(worker.is_alive() for worker in workers), "a writer hung"
    assert not errors, errors


def expected_response_seconds(messages: list[Message]) -> dict[int, int | None]:
    """DESIGN's formula replayed over the committed order: time since the oldest incoming
    message after the previous outgoing one; none such: None."""
    waiting_since = None
    expected = {}
    for message in messages:
        if message.direction == Direction.INCOMING and waiting_since is None:
            waiting_since = message.created_at
        elif message.direction == Direction.OUTGOING:
            expected[message.pk] = (
                None if waiting_since is None else int((message.created_at - waiting_since).total_seconds())
            )
            waiting_since = None
    return expected


@pytest.mark.django_db(transaction=True)
def test_parallel_messages_into_one_conversation_keep_counters_exact():
    conversation = ConversationFactory()

    def write(index: int) -> None:
        for n in range(PER_THREAD):
            # Threads alternate directions so replies and waits interleave across writers.
            direction = Direction.INCOMING if (index + n) % 3 else Direction.OUTGOING
            services.message_add(conversation=conversation, direction=direction, text=f"{index}-{n}")

    run_in_parallel(write)

    conversation.refresh_from_db()
    messages = list(Message.objects.filter(conversation=conversation).order_by("id"))
    incoming = sum(m.direction == Direction.INCOMING for m in messages)
    assert len(messages) == THREADS * PER_THREAD
    assert conversation.message_count == THREADS * PER_THREAD
    assert conversation.unread_count == incoming
    assert conversation.last_message_at == max(m.created_at for m in messages)
    # Writers were serialised: ids follow the commit order, and so do the timestamps.
    assert [m.created_at for m in messages] == sorted(m.created_at for m in messages)
    outgoing = {m.pk: m.response_seconds for m in messages if m.direction == Direction.OUTGOING}
    assert outgoing == expected_response_seconds(messages)
    fan = Fan.objects.get(pk=conversation.fan_id)
    assert fan.last_seen_at == max(m.created_at for m in messages if m.direction == Direction.INCOMING)


@pytest.mark.django_db(transaction=True)
def test_parallel_transactions_into_one_fan_keep_value_exact():
    fan = FanFactory()

    def write(index: int) -> None:
        for n in range(PER_THREAD):
            kind = TransactionKind.REFUND if n % 5 == 4 else TransactionKind.TIP
            services.transaction_record(fan=fan, kind=kind, amount_cents=100 + index)

    run_in_parallel(write)

    fan.refresh_from_db()
    ledger = list(Transaction.objects.filter(fan=fan))
    assert len(ledger) == THREADS * PER_THREAD
    expected = sum((100 + i) * (PER_THREAD - 2 * (PER_THREAD // 5)) for i in range(THREADS))
    assert fan.value_cents == sum(t.signed_amount_cents for t in ledger) == expected


@pytest.mark.django_db(transaction=True)
def test_parallel_deliveries_of_one_external_id_record_it_once():
    fan = FanFactory()
    results = []

    def write(index: int) -> None:
        txn, created = services.transaction_record(fan=fan, kind="tip", amount_cents=500, external_id="pay-1")
        results.append((txn.pk, created))

    run_in_parallel(write)

    assert len({pk for pk, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    fan.refresh_from_db()
    assert fan.value_cents == 500
    assert Transaction.objects.filter(fan=fan).count() == 1


@pytest.mark.django_db(transaction=True)
def test_messages_and_money_for_one_fan_in_parallel_do_not_deadlock():
    conversation = ConversationFactory()

    def write(index: int) -> None:
        for n in range(10):
            if index % 2:
                services.message_add(conversation=conversation, direction=Direction.INCOMING, text=str(n))
            else:
                services.transaction_record(fan=conversation.fan, kind="tip", amount_cents=10)

    run_in_parallel(write)

    conversation.refresh_from_db()
    assert conversation.message_count == conversation.unread_count == (THREADS // 2) * 10
    assert Fan.objects.get(pk=conversation.fan_id).value_cents == (THREADS // 2) * 10 * 10


@pytest.mark.django_db(transaction=True)
def test_database_cache_incr_is_atomic_across_connections():
    cache = caches["default"]
    assert type(cache).__name__ == "AtomicDatabaseCache"
    cache.set("hits", 0, timeout=300)

    def bump(index: int) -> None:
        local = caches["default"]  # each thread has its own cache handle and connection
        for _ in range(PER_THREAD):
            local.incr("hits")

    run_in_parallel(bump)
    assert cache.get("hits") == THREADS * PER_THREAD


@pytest.mark.django_db
def test_database_cache_incr_of_a_missing_or_expired_key_fails():
    cache = caches["default"]
    with pytest.raises(ValueError):
        cache.incr("never-set")
    cache.set("gone", 1, timeout=-1)
    with pytest.raises(ValueError):
        cache.incr("gone")
    cache.set("n", 5)
    assert cache.incr("n", 3) == 8 and cache.get("n") == 8


@pytest.mark.django_db(transaction=True)
def test_a_webhook_dm_and_a_reply_to_one_fan_do_not_deadlock():
    """The webhook path takes the fan's row (conversation_open), then the conversation's
    (message_add); a reply's message_add takes them in the same order, or on PostgreSQL the two
    wait for each other until one fails with a deadlock (found by bench/live.py)."""
    from django.db import transaction

    conversation = ConversationFactory()
    fan = conversation.fan
    dm_holds_fan = threading.Event()

    def work(index: int) -> None:
        if index == 0:  # the worker: a DM for the fan
            with transaction.atomic():
                opened, _ = services.conversation_open(fan=fan, platform=conversation.platform)
                dm_holds_fan.set()
                threading.Event().wait(0.5)  # the reply is under way meanwhile
                services.message_add(conversation=opened, direction=Direction.INCOMING, text="dm")
        else:  # a web worker: the creator's reply
            dm_holds_fan.wait(timeout=10)
            services.message_add(conversation=conversation, direction=Direction.OUTGOING, text="reply")

    run_in_parallel(work, threads=2)
    assert sorted(Message.objects.filter(conversation=conversation).values_list("text", flat=True)) == ["dm", "reply"]
