"""The per-fan figures (analytics.fan_queries): linked hours, distinct fans at range edges, and
top fans decided by the monthly bound or, when it cannot decide, by the full aggregation."""

from datetime import UTC, datetime, timedelta

import pytest

from analytics import fan_queries
from analytics import services as analytics_services
from analytics.models import FanHourlyActivity, FanHourlySubscription, FanMonthlyPaid
from analytics.selectors import overview
from tests.analytics.builders import DAY, NOW, build_dataset, fan, pay, say, thread
from tests.factories import CreatorFactory

pytestmark = pytest.mark.django_db
HOUR = timedelta(hours=1)


def links(model, who):
    return list(model.objects.filter(fan=who).order_by("hour").values_list("hour", "previous_hour"))


def test_links_follow_time_order_whatever_the_write_order(creator):
    who = fan(creator, "Ana")
    conversation = thread(who)
    base = NOW - 10 * DAY
    # Back-dated and repeated writes: hours 5, 1, 9, 3, 3 (same hour again), 0.
    for hours in (5, 1, 9, 3, 3, 0):
        pay(who, "subscription", 100, base + hours * HOUR + timedelta(minutes=7))
        say(conversation, "in", base + hours * HOUR + timedelta(minutes=9))
    expected = [
        (base, None),
        (base + 1 * HOUR, base),
        (base + 3 * HOUR, base + 1 * HOUR),
        (base + 5 * HOUR, base + 3 * HOUR),
        (base + 9 * HOUR, base + 5 * HOUR),
    ]
    assert links(FanHourlySubscription, who) == expected
    assert links(FanHourlyActivity, who) == expected
    assert FanHourlySubscription.objects.get(fan=who, hour=base + 3 * HOUR).subscriptions == 2
    analytics_services.analytics_rebuild()
    assert links(FanHourlySubscription, who) == expected
    assert links(FanHourlyActivity, who) == expected


def test_links_are_per_fan(creator):
    one, other = fan(creator, "One"), fan(creator, "Other")
    pay(one, "subscription", 100, NOW - 3 * HOUR)
    pay(other, "subscription", 100, NOW - 2 * HOUR)
    pay(one, "subscription", 100, NOW - 1 * HOUR)
    hour = NOW - 3 * HOUR
    assert links(FanHourlySubscription, one) == [(hour, None), (NOW - HOUR, hour)]
    assert links(FanHourlySubscription, other) == [(NOW - 2 * HOUR, None)]


def test_monthly_paid_counts_payments_not_refunds_or_opening_balances(creator):
    who = fan(creator, "Pat", opening_balance_cents=9000)
    pay(who, "tip", 500, datetime(2025, 12, 31, 23, 59, tzinfo=UTC))
    pay(who, "ppv", 300, datetime(2026, 1, 1, 0, 0, tzinfo=UTC))
    pay(who, "subscription", 200, datetime(2026, 1, 14, tzinfo=UTC))
    pay(who, "refund", 450, datetime(2026, 1, 14, tzinfo=UTC))
    kept = sorted(FanMonthlyPaid.objects.filter(fan=who).values_list("month", "paid_cents"))
    assert kept == [(datetime(2025, 12, 1, tzinfo=UTC), 500), (datetime(2026, 1, 1, tzinfo=UTC), 500)]


def test_months_a_range_touches():
    start = datetime(2025, 11, 30, 23, tzinfo=UTC)
    assert fan_queries._months(start, datetime(2026, 1, 1, tzinfo=UTC)) == [
        datetime(2025, 11, 1, tzinfo=UTC),
        datetime(2025, 12, 1, tzinfo=UTC),
    ]
    assert fan_queries._months(start, datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC))[-1] == datetime(
        2026, 1, 1, tzinfo=UTC
    )


# --- Distinct fans at the edges of a range ----------------------------------------------------
# The 7-day window at NOW + 30 min is [Jan 8 10:30, Jan 15 10:30): edges [10:30, 11:00) on Jan 8
# and [10:00, 10:30) on Jan 15, whole hours between.

AT = NOW + timedelta(minutes=30)
START = AT - 7 * DAY


@pytest.mark.parametrize(
    ("moments", "expected"),
    [
        ([START + timedelta(minutes=5)], 1),  # leading edge only
        ([START + timedelta(minutes=5), START + 2 * DAY], 1),  # leading edge and whole hours
        ([START + timedelta(minutes=5), AT - timedelta(minutes=5)], 1),  # both edges, nothing between
        ([START + 2 * DAY, AT - timedelta(minutes=1)], 1),  # whole hours and trailing edge
        ([START + 2 * DAY, START + 3 * DAY], 1),  # twice in whole hours
        ([START - timedelta(minutes=1), AT], 0),  # just before the start, exactly at the end
        ([START - timedelta(minutes=1), START + 2 * DAY], 1),  # the same hour as the edge, before it
    ],
)
def test_a_subscriber_counts_once_wherever_their_payments_fall(creator, moments, expected):
    who = fan(creator, "Sub")
    for moment in moments:
        pay(who, "subscription", 100, moment)
    assert overview(creator=creator, window="7d", now=AT)["metrics"]["activeSubscribers"] == expected


def test_writers_count_once_per_week_across_edges(creator):
    conversation = thread(fan(creator, "Writer"))
    week_start = AT - 7 * DAY  # the fourth week
    for moment in (week_start + timedelta(minutes=1), week_start + 3 * DAY, AT - timedelta(minutes=1)):
        say(conversation, "in", moment)
    say(conversation, "in", week_start - timedelta(minutes=1))  # the third week's trailing edge
    result = overview(creator=creator, now=AT)
    assert result["fanGrowth"]["activeFans"] == [0, 0, 1, 1]


# --- Top fans: the bound and the full aggregation -------------------------------------------


def ranked(creator, **kwargs):
    return [
        (f["name"], f["revenue"], f["trend"]) for f in overview(creator=creator, now=NOW, **kwargs)["topFans"]
    ]


@pytest.fixture
def spenders(creator):
    """Eight fans; 'Old' paid most, but long before the window."""
    old = fan(creator, "Old")
    pay(old, "tip", 900_000, NOW - 200 * DAY)
    for k, amount in enumerate([5000, 4000, 3000, 2000, 1000, 900, 800]):
        who = fan(creator, f"F{k}")
        pay(who, "tip", amount, NOW - 3 * DAY)
        pay(who, "tip", amount // 2, NOW - 50 * DAY)  # previous window (November): trend 1.0
    return creator


EXPECTED_TOP = [("F0", 5000, 1.0), ("F1", 4000, 1.0), ("F2", 3000, 1.0), ("F3", 2000, 1.0), ("F4", 1000, 1.0)]


def test_the_bound_decides_in_one_query(spenders, monkeypatch, django_assert_num_queries):
    # Five candidates per month: F5's 900 is the best left out, below F4's 1000.
    monkeypatch.setattr(fan_queries, "TOP_FAN_CANDIDATES", 5)
    with django_assert_num_queries(5):
        assert ranked(spenders) == EXPECTED_TOP


@pytest.mark.parametrize("candidates", [0, 1, 4])
def test_the_aggregation_decides_when_the_bound_cannot(
    spenders, monkeypatch, candidates, django_assert_num_queries
):
    monkeypatch.setattr(fan_queries, "TOP_FAN_CANDIDATES", candidates)
    with django_assert_num_queries(6):
        assert ranked(spenders) == EXPECTED_TOP


def test_a_tie_with_the_bound_is_left_to_the_aggregation(creator, monkeypatch, django_assert_num_queries):
    """F5 pays as much as F4 but has the higher lifetime value: only the aggregation can rank them."""
    for k, amount in enumerate([5000, 4000, 3000, 2000, 1000, 1000]):
        who = fan(creator, f"F{k}", opening_balance_cents=k)
        pay(who, "tip", amount, NOW - 3 * DAY)
    monkeypatch.setattr(fan_queries, "TOP_FAN_CANDIDATES", 5)
    with django_assert_num_queries(6):
        names = [name for name, _, _ in ranked(creator)]
    assert names == ["F0", "F1", "F2", "F3", "F5"]


def test_refunds_inside_the_bound(creator, monkeypatch):
    """A big payer refunded within the window ranks by net revenue, not by what they paid."""
    monkeypatch.setattr(fan_queries, "TOP_FAN_CANDIDATES", 1)
    refunded = fan(creator, "Refunded")
    pay(refunded, "tip", 10_000, NOW - 2 * DAY)
    pay(refunded, "refund", 9_500, NOW - DAY)
    steady = fan(creator, "Steady")
    pay(steady, "tip", 800, NOW - 2 * DAY)
    assert [name for name, _, _ in ranked(creator)] == ["Steady", "Refunded"]


@pytest.mark.parametrize("candidates", [0, 2, 50])
@pytest.mark.parametrize("window", ["7d", "30d", "90d"])
def test_both_ways_agree_on_the_hand_built_data(creator, monkeypatch, candidates, window):
    build_dataset(creator)
    expected = ranked(creator, window=window)  # the default depth
    monkeypatch.setattr(fan_queries, "TOP_FAN_CANDIDATES", candidates)
    assert ranked(creator, window=window) == expected


def test_other_creators_payers_are_not_candidates(creator, monkeypatch):
    monkeypatch.setattr(fan_queries, "TOP_FAN_CANDIDATES", 1)
    mine = fan(creator, "Mine")
    pay(mine, "tip", 100, NOW - DAY)
    theirs = fan(CreatorFactory(), "Theirs")
    pay(theirs, "tip", 10**7, NOW - DAY)
    assert ranked(creator) == [("Mine", 100, 0.0)]
