"""A hand-built data set for the analytics tests, written through crm.services only."""

from datetime import UTC, datetime, timedelta

from crm import services
from crm.choices import Direction, TransactionKind
from crm.models import Fan

# A Thursday morning in January: the six months reach back across the year boundary.
NOW = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def fan(creator, name, *, platform="onlyfans", handle=None, tags=(), created_at=None, **extra):
    handle = f"@{name.lower()}" if handle is None else handle
    made = services.fan_create(
        creator=creator, platform=platform, name=name, handle=handle, tags=tags, **extra
    )
    if created_at is not None:
        # Test set-up only: created_at is auto_now_add, so place the fan in time directly.
        Fan.objects.filter(pk=made.pk).update(created_at=created_at)
    return made


def pay(who, kind, amount, at, platform=None):
    txn, _ = services.transaction_record(
        fan=who, kind=kind, amount_cents=amount, occurred_at=at, platform=platform
    )
    return txn


def say(conversation, direction, at, *, ai=False):
    return services.message_add(conversation=conversation, direction=direction, created_at=at, sent_by_ai=ai)


def thread(who, platform=None):
    conversation, _ = services.conversation_open(fan=who, platform=platform, reuse=False)
    return conversation


def build_dataset(creator, now=NOW):
    """The figures this produces at NOW are worked out by hand in test_overview.py."""
    tip, sub, ppv, refund, other = (
        TransactionKind.TIP,
        TransactionKind.SUBSCRIPTION,
        TransactionKind.PPV,
        TransactionKind.REFUND,
        TransactionKind.OTHER,
    )
    inc, out = Direction.INCOMING, Direction.OUTGOING

    alice = fan(creator, "Alice", tags=["VIP"], created_at=now - 27 * DAY)
    bob = fan(creator, "Bob", platform="fansly", opening_balance_cents=60_000, created_at=now - 21 * DAY)
    cara = fan(creator, "Cara", platform="patreon", created_at=now - 7 * DAY - timedelta(seconds=1))
    dan = fan(creator, "Dan", platform="instagram", handle="", created_at=now - timedelta(seconds=1))
    eve = fan(creator, "Eve", created_at=now)
    fay = fan(creator, "Fay", created_at=now - 28 * DAY)
    gus = fan(creator, "Gus", platform="direct", created_at=now - 29 * DAY)
    hal = fan(creator, "Hal", created_at=now - 2 * DAY)

    # Alice: a subscription exactly at the window's start counts; a tip exactly at now does not.
    pay(alice, sub, 1000, now - 30 * DAY)
    pay(alice, tip, 500, now - timedelta(seconds=1))
    pay(alice, tip, 700, now)
    pay(alice, tip, 1000, now - 45 * DAY)
    # Bob: a whale through his opening balance; a refund inside the window.
    pay(bob, ppv, 2000, now - 2 * DAY)
    pay(bob, refund, 500, now - DAY)
    # Cara: first paid 100 days ago (loyal).
    pay(cara, other, 100, now - 100 * DAY)
    pay(cara, tip, 800, now - 10 * DAY)
    # Dan: two subscriptions in the window (one subscriber), one in the previous window.
    pay(dan, sub, 150, now - 20 * DAY)
    pay(dan, sub, 150, now - 12 * DAY)
    pay(dan, sub, 400, now - 40 * DAY)
    # Eve pays on TikTok although she is an OnlyFans fan: the transaction's platform counts.
    pay(eve, tip, 200, now - 5 * DAY, platform="tiktok")
    pay(fay, tip, 100, now - 3 * DAY)
    # Gus: refunds outweigh sales in the window; month edges in Los Angeles time.
    pay(gus, tip, 400, now - 50 * DAY)
    pay(gus, refund, 400, now - 4 * DAY)
    pay(gus, tip, 11, datetime(2026, 1, 1, 7, 59, 59, tzinfo=UTC))  # Dec 31, 23:59:59 PST
    pay(gus, tip, 22, datetime(2026, 1, 1, 8, 0, tzinfo=UTC))  # Jan 1, 00:00 PST
    pay(gus, tip, 5, datetime(2025, 8, 1, 6, 59, 59, tzinfo=UTC))  # Jul 31, 23:59:59 PDT
    pay(gus, tip, 7, datetime(2025, 8, 1, 7, 0, tzinfo=UTC))  # Aug 1, 00:00 PDT
    # Hal: an opening balance dated inside the window is still never revenue.
    pay(hal, TransactionKind.OPENING_BALANCE, 99_999, now - 3 * DAY)

    # Messages (each thread in time order, as a platform would deliver them).
    a = thread(alice)
    say(a, inc, now - timedelta(hours=2))
    say(a, inc, now - timedelta(hours=1, minutes=50))
    say(a, out, now - timedelta(hours=1), ai=True)  # answers the 2h-old message: 3600 s
    say(thread(alice, "fansly"), inc, now - 8 * DAY)
    b = thread(bob)
    say(b, inc, now - 3 * DAY)
    say(b, out, now - 3 * DAY + timedelta(seconds=120))  # 120 s
    say(b, out, now - 3 * DAY + timedelta(seconds=200), ai=True)  # nothing to answer: no response time
    say(thread(bob), inc, now - 14 * DAY)
    c = thread(cara)
    say(c, inc, now - 40 * DAY)
    say(c, out, now - 40 * DAY + timedelta(seconds=60))  # previous window: 60 s
    d = thread(dan)
    say(d, inc, now - timedelta(minutes=10))
    say(d, out, now, ai=True)  # exactly at now: not in the window
    say(thread(dan), inc, now - 21 * DAY - timedelta(seconds=1))
    f = thread(fay)
    say(f, inc, now - 30 * DAY - timedelta(seconds=100))
    say(f, out, now - 30 * DAY)  # exactly at the window's start: counts, 100 s
    return {
        "alice": alice,
        "bob": bob,
        "cara": cara,
        "dan": dan,
        "eve": eve,
        "fay": fay,
        "gus": gus,
        "hal": hal,
    }


def build_noise(creator):
    """Another creator's money and messages in the same windows: must never count."""
    who = fan(creator, "Zed", created_at=NOW - 2 * DAY)
    pay(who, TransactionKind.SUBSCRIPTION, 100_000, NOW - DAY)
    conversation = thread(who)
    say(conversation, Direction.INCOMING, NOW - 2 * DAY)
    say(conversation, Direction.OUTGOING, NOW - DAY, ai=True)
    return who
