"""The daily summaries kept by crm.services equal a rebuild from the raw rows, and the overview
equals a brute-force computation over the raw rows at any instant (edges of days included)."""

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command

from analytics import fan_queries
from analytics import services as analytics_services
from analytics.models import DailyRevenue, HourlyMessaging, HourlyRevenue
from analytics.selectors import month_ranges, overview, week_ranges
from crm import services
from crm.choices import Direction, TransactionKind
from crm.models import Fan, Message, Transaction
from tests.analytics.builders import NOW
from tests.factories import CreatorFactory

pytestmark = pytest.mark.django_db
KINDS = ["subscription", "tip", "ppv", "other", "refund", "opening_balance"]
PLATFORMS = ["onlyfans", "fansly", "patreon", "tiktok"]


def snapshot():
    result = {}
    for model in analytics_services.SUMMARY_MODELS:
        columns = [f.attname for f in model._meta.fields if f.name != "id"]
        result[model.__name__] = sorted(model.objects.values_list(*columns))
    return result


def random_history(rng, creators, steps=160):
    """Random writes through the services: fans, messages both ways, payments, refunds, deletions."""
    fans = {c.pk: [] for c in creators}
    threads = {}
    for step in range(steps):
        creator = rng.choice(creators)
        choice = rng.random()
        if choice < 0.15 or not fans[creator.pk]:
            who = services.fan_create(
                creator=creator,
                platform=rng.choice(PLATFORMS),
                name=f"fan{step}",
                opening_balance_cents=rng.choice([0, 0, 2500]),
            )
            fans[creator.pk].append(who)
            threads[who.pk] = services.conversation_open(fan=who)[0]
        elif choice < 0.2 and len(fans[creator.pk]) > 1:
            who = fans[creator.pk].pop(rng.randrange(len(fans[creator.pk])))
            services.fan_delete(fan=Fan.objects.get(pk=who.pk))
        elif choice < 0.6:
            who = rng.choice(fans[creator.pk])
            services.message_add(
                conversation=threads[who.pk],
                direction=rng.choice([Direction.INCOMING, Direction.OUTGOING, Direction.SYSTEM]),
                sent_by_ai=rng.random() < 0.5,
                created_at=NOW - timedelta(seconds=rng.randrange(0, 200 * 86400)),
            )
        else:
            who = rng.choice(fans[creator.pk])
            services.transaction_record(
                fan=who,
                kind=rng.choice(KINDS),
                amount_cents=rng.randrange(1, 5000),
                platform=rng.choice([None, *PLATFORMS]),
                occurred_at=NOW - timedelta(seconds=rng.randrange(-86400, 200 * 86400)),
            )
    return fans


@pytest.fixture
def history():
    rng = random.Random(20260115)
    creators = [CreatorFactory(timezone="Asia/Kolkata"), CreatorFactory(timezone="America/New_York")]
    random_history(rng, creators)
    return creators


def test_incremental_summaries_equal_a_rebuild(history):
    kept = snapshot()
    assert kept["HourlyRevenue"] and kept["HourlyMessaging"] and kept["FanHourlyActivity"]
    analytics_services.analytics_rebuild()
    assert snapshot() == kept


def test_rebuild_command_for_one_creator(history):
    kept = snapshot()
    one, other = history
    analytics_services.SUMMARY_MODELS[0].objects.filter(creator=one).update(revenue_cents=0)
    for model in analytics_services.SUMMARY_MODELS[1:]:
        model.objects.filter(creator=one).delete()
    call_command("rebuild_analytics", "--creator", one.slug, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert snapshot() == kept


def test_rebuild_command_unknown_creator(db):
    with pytest.raises(CommandError, match="No creator"):
        call_command("rebuild_analytics", "--creator", "nobody")


def test_fan_deletion_removes_their_share(creator):
    keep = services.fan_create(creator=creator, platform="onlyfans", name="keep")
    gone = services.fan_create(creator=creator, platform="onlyfans", name="gone")
    for who in (keep, gone):
        services.transaction_record(
            fan=who, kind="tip", amount_cents=700, occurred_at=NOW - timedelta(days=1)
        )
        conversation, _ = services.conversation_open(fan=who)
        services.message_add(conversation=conversation, direction="in", created_at=NOW - timedelta(hours=3))
        services.message_add(
            conversation=conversation, direction="out", created_at=NOW - timedelta(hours=2), sent_by_ai=True
        )
    services.fan_delete(fan=gone)
    result = overview(creator=creator, now=NOW)
    assert result["metrics"]["revenueMonthly"] == 700
    assert result["metrics"]["avgResponseSeconds"] == 3600
    assert [f["name"] for f in result["topFans"]] == ["keep"]
    kept = snapshot()
    analytics_services.analytics_rebuild()
    assert snapshot() == kept


def test_forgetting_a_fan_takes_the_same_queries_for_any_history(creator, django_assert_num_queries):
    """One UPDATE per creator-level table and one DELETE of emptied rows each, however many hours."""
    who = services.fan_create(creator=creator, platform="onlyfans", name="long history")
    conversation, _ = services.conversation_open(fan=who)
    for k in range(40):
        at = NOW - timedelta(hours=7 * k)
        services.transaction_record(
            fan=who, kind="tip", amount_cents=100 + k, occurred_at=at, platform=PLATFORMS[k % 4]
        )
        services.message_add(conversation=conversation, direction="out", created_at=at)
    with django_assert_num_queries(6):
        analytics_services.fan_forget(fan=who)
    assert not HourlyRevenue.objects.filter(creator=creator).exists()
    assert not DailyRevenue.objects.filter(creator=creator).exists()
    assert not HourlyMessaging.objects.filter(creator=creator).exists()


def brute_force(creator, now, days):
    """The DESIGN.md formulas straight over the raw rows, in Python."""
    span = timedelta(days=days)
    txns = list(Transaction.objects.filter(creator=creator).exclude(kind=TransactionKind.OPENING_BALANCE))
    msgs = list(Message.objects.filter(creator=creator))

    def revenue(a, b):
        return sum(t.signed_amount_cents for t in txns if a <= t.occurred_at < b)

    def outgoing(a, b):
        return [m for m in msgs if m.direction == "out" and a <= m.created_at < b]

    current = (now - span, now)
    previous = (now - 2 * span, now - span)

    def fan_revenue(fan_id, a, b):
        return sum(t.signed_amount_cents for t in txns if t.fan_id == fan_id and a <= t.occurred_at < b)

    earners = [f for f in Fan.objects.filter(creator=creator) if fan_revenue(f.pk, *current) > 0]
    earners.sort(key=lambda f: (-fan_revenue(f.pk, *current), -f.value_cents, f.pk))
    answered = [m.response_seconds for m in outgoing(*current) if m.response_seconds is not None]
    out = outgoing(*current)
    return {
        "revenueMonthly": revenue(*current),
        "activeSubscribers": len(
            {t.fan_id for t in txns if t.kind == "subscription" and current[0] <= t.occurred_at < now}
        ),
        "avgResponseSeconds": round(sum(answered) / len(answered)) if answered else 0,
        "aiAutomationRate": round(sum(m.sent_by_ai for m in out) / len(out), 4) if out else 0.0,
        "previousRevenue": revenue(*previous),
        "topFans": [(f.name, fan_revenue(f.pk, *current), fan_revenue(f.pk, *previous)) for f in earners[:5]],
        "series": [revenue(a, b) for _, a, b in month_ranges(now, creator_zone_of(creator))],
        "newFans": [
            Fan.objects.filter(creator=creator, created_at__gte=a, created_at__lt=b).count()
            for _, a, b in week_ranges(now)
        ],
        "activeFans": [
            len({m.fan_id for m in msgs if m.direction == "in" and a <= m.created_at < b})
            for _, a, b in week_ranges(now)
        ],
    }


def creator_zone_of(creator):
    from analytics.selectors import creator_zone

    return creator_zone(creator)


@pytest.mark.parametrize(
    "now",
    [
        NOW,
        datetime(2026, 1, 15, 0, 0, tzinfo=UTC),  # exactly midnight: no edge slices
        datetime(2026, 1, 14, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2025, 11, 2, 9, 30, tzinfo=UTC),  # a DST change in New York
    ],
)
@pytest.mark.parametrize("window", ["7d", "30d", "90d"])
@pytest.mark.parametrize("candidates", [1, fan_queries.TOP_FAN_CANDIDATES])
def test_overview_matches_brute_force(history, now, window, candidates, monkeypatch):
    # One candidate per month leaves most top-fan answers to the full aggregation; the default
    # depth lets the monthly bound decide them.
    monkeypatch.setattr(fan_queries, "TOP_FAN_CANDIDATES", candidates)
    for creator in history:
        result = overview(creator=creator, window=window, now=now)
        expected = brute_force(creator, now, {"7d": 7, "30d": 30, "90d": 90}[window])
        metrics = result["metrics"]
        assert metrics["revenueMonthly"] == expected["revenueMonthly"]
        assert metrics["activeSubscribers"] == expected["activeSubscribers"]
        assert metrics["avgResponseSeconds"] == expected["avgResponseSeconds"]
        assert metrics["aiAutomationRate"] == expected["aiAutomationRate"]
        previous = expected["previousRevenue"]
        assert metrics["change"]["revenue"] == (
            round((expected["revenueMonthly"] - previous) / abs(previous), 4) if previous else 0.0
        )
        assert result["revenueSeries"]["values"] == expected["series"]
        assert result["fanGrowth"]["newFans"] == expected["newFans"]
        assert result["fanGrowth"]["activeFans"] == expected["activeFans"]
        assert [(f["name"], f["revenue"], f["trend"]) for f in result["topFans"]] == [
            (name, current, round((current - before) / abs(before), 4) if before else 0.0)
            for name, current, before in expected["topFans"]
        ]
