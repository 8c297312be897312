"""Every figure of the overview, worked out by hand from tests/analytics/builders.py."""

from datetime import timedelta

import pytest

from analytics.selectors import compact_age, overview
from core.exceptions import InvalidInput
from tests.analytics.builders import DAY, NOW, build_dataset, build_noise
from tests.factories import CreatorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def la_creator(db):
    creator = CreatorFactory(timezone="America/Los_Angeles")
    build_dataset(creator)
    build_noise(CreatorFactory(timezone="America/Los_Angeles"))
    return creator


EXPECTED_30D = {
    "metrics": {
        # Current window [Dec 16 10:00, Jan 15 10:00) UTC: Alice 1000 (at the start) + 500,
        # Bob 2000 - 500, Cara 800, Dan 150 + 150, Eve 200, Fay 100, Gus -400 + 11 + 22.
        # Not: Alice's 700 at now, Hal's opening balance.
        "revenueMonthly": 4033,
        # Alice (subscription exactly at the start) and Dan (two subscriptions, one fan).
        "activeSubscribers": 2,
        # Responses 3600, 120 and 100 s; Bob's second reply answered nothing; Dan's reply is at now.
        "avgResponseSeconds": 1273,
        # Four outgoing in the window, two by AI.
        "aiAutomationRate": 0.5,
        "change": {
            # Previous window: Alice 1000, Dan 400, Gus 400 = 1800 -> 2233 / 1800.
            "revenue": 1.2406,
            # Previous subscribers: Dan only.
            "subscribers": 1.0,
            # Previous mean: Cara's 60 s -> (1273.33 - 60) / 60.
            "response": 20.2222,
            # Previous automation 0 (one outgoing, not by AI): change 0.
            "automation": 0.0,
        },
    },
    "topFans": [
        # Bob and Alice tie at 1500: Bob's lifetime value (opening balance 60000) ranks him first.
        {
            "name": "Bob",
            "username": "@bob",
            "revenue": 1500,
            "messages": 4,
            "lastActive": "3d",
            "badge": "whale",
            "trend": 0.0,
        },
        {
            "name": "Alice",
            "username": "@alice",
            "revenue": 1500,
            "messages": 4,
            "lastActive": "1h",
            "badge": "vip",
            "trend": 0.5,
        },
        {
            "name": "Cara",
            "username": "@cara",
            "revenue": 800,
            "messages": 2,
            "lastActive": "40d",
            "badge": "loyal",
            "trend": 0.0,
        },
        # Dan: previous window 400 -> -0.25; his reply at exactly now is a message all the same.
        {
            "name": "Dan",
            "username": "",
            "revenue": 300,
            "messages": 3,
            "lastActive": "10m",
            "badge": "new",
            "trend": -0.25,
        },
        {
            "name": "Eve",
            "username": "@eve",
            "revenue": 200,
            "messages": 0,
            "lastActive": "never",
            "badge": "new",
            "trend": 0.0,
        },
    ],
    # Gus's direct platform is negative (-367) and left out; shares of the 4400 listed.
    "platformDistribution": [
        {"platform": "onlyfans", "share": 0.3636, "revenue": 1600},
        {"platform": "fansly", "share": 0.3409, "revenue": 1500},
        {"platform": "patreon", "share": 0.1818, "revenue": 800},
        {"platform": "instagram", "share": 0.0682, "revenue": 300},
        {"platform": "tiktok", "share": 0.0455, "revenue": 200},
    ],
    "revenueSeries": {
        # Los Angeles months; Aug 1 00:00 PDT = 07:00 UTC, Jan 1 00:00 PST = 08:00 UTC.
        "labels": ["Aug", "Sep", "Oct", "Nov", "Dec", "Jan"],
        "values": [7, 0, 100, 400, 2561, 2872],
    },
    "fanGrowth": {
        "labels": ["Week 1", "Week 2", "Week 3", "Week 4"],
        # Fay at exactly -28d and Alice; Bob at exactly -21d; Cara; Dan and Hal (Eve at now: no).
        "newFans": [2, 1, 1, 2],
        # Dan (-21d - 1s); nobody; Alice and Bob (-14d exactly); Alice, Bob, Dan.
        "activeFans": [1, 0, 2, 3],
    },
}


def test_overview_every_figure(la_creator, django_assert_num_queries):
    with django_assert_num_queries(5):
        result = overview(creator=la_creator, now=NOW)
    assert result == EXPECTED_30D


def test_numbers_have_their_types(la_creator):
    result = overview(creator=la_creator, now=NOW)
    metrics = result["metrics"]
    for key in ("revenueMonthly", "activeSubscribers", "avgResponseSeconds"):
        assert type(metrics[key]) is int
    assert type(metrics["aiAutomationRate"]) is float
    assert all(type(v) is float for v in metrics["change"].values())
    assert all(type(v) is int for v in result["revenueSeries"]["values"])
    for row in result["topFans"]:
        assert type(row["revenue"]) is int and type(row["messages"]) is int and type(row["trend"]) is float
    for row in result["platformDistribution"]:
        assert type(row["share"]) is float and type(row["revenue"]) is int


def test_seven_day_window(la_creator):
    result = overview(creator=la_creator, window="7d", now=NOW)
    metrics = result["metrics"]
    # [Jan 8 10:00, Jan 15 10:00): Alice 500, Bob 1500, Eve 200, Fay 100, Gus -400.
    assert metrics["revenueMonthly"] == 1900
    # Previous: Cara 800, Dan 150 (Gus's Jan 1 tips are before Jan 1 10:00).
    assert metrics["change"]["revenue"] == 1.0
    assert metrics["activeSubscribers"] == 0
    assert metrics["change"]["subscribers"] == -1.0
    assert metrics["avgResponseSeconds"] == 1860
    assert metrics["aiAutomationRate"] == 0.6667
    assert metrics["change"]["response"] == 0.0
    assert metrics["change"]["automation"] == 0.0
    assert [f["name"] for f in result["topFans"]] == ["Bob", "Alice", "Eve", "Fay"]
    # Not affected by the window.
    assert result["revenueSeries"] == EXPECTED_30D["revenueSeries"]
    assert result["fanGrowth"] == EXPECTED_30D["fanGrowth"]


def test_ninety_day_window(la_creator):
    metrics = overview(creator=la_creator, window="90d", now=NOW)["metrics"]
    # Everything since Oct 17 except Alice's tip at now; previous: Cara's 100 and Gus's 5 + 7.
    assert metrics["revenueMonthly"] == 4033 + 1800
    assert metrics["change"]["revenue"] == round((5833 - 112) / 112, 4)
    assert metrics["activeSubscribers"] == 2
    assert metrics["avgResponseSeconds"] == round((3600 + 120 + 100 + 60) / 4)
    assert metrics["aiAutomationRate"] == 0.4


@pytest.mark.parametrize("window", ["1d", "30", "30D", " 30d", "week", 30, None])
def test_invalid_window(creator, window):
    if window is None:
        assert overview(creator=creator, window=window, now=NOW)["metrics"]["revenueMonthly"] == 0
        return
    with pytest.raises(InvalidInput, match="Invalid window"):
        overview(creator=creator, window=window, now=NOW)


def test_empty_creator(creator, django_assert_num_queries):
    creator.timezone = "Pacific/Auckland"
    build_noise(CreatorFactory())
    with django_assert_num_queries(4):  # no top fans: their details are not fetched
        result = overview(creator=creator, now=NOW)
    assert result == {
        "metrics": {
            "revenueMonthly": 0,
            "activeSubscribers": 0,
            "avgResponseSeconds": 0,
            "aiAutomationRate": 0.0,
            "change": {"revenue": 0.0, "subscribers": 0.0, "response": 0.0, "automation": 0.0},
        },
        "topFans": [],
        "platformDistribution": [],
        # Jan 15 10:00 UTC is Jan 15 23:00 in Auckland.
        "revenueSeries": {"labels": ["Aug", "Sep", "Oct", "Nov", "Dec", "Jan"], "values": [0] * 6},
        "fanGrowth": {
            "labels": ["Week 1", "Week 2", "Week 3", "Week 4"],
            "newFans": [0] * 4,
            "activeFans": [0] * 4,
        },
    }


@pytest.mark.parametrize(
    ("zone", "first", "last"),
    [
        # Feb 1 03:00 UTC is still Jan 31 in Los Angeles but already Feb 1 in Tokyo.
        ("America/Los_Angeles", "Aug", "Jan"),
        ("Asia/Tokyo", "Sep", "Feb"),
        ("Not/AZone", "Sep", "Feb"),  # an unknown zone falls back to UTC
    ],
)
def test_month_labels_follow_the_creator_timezone(creator, zone, first, last):
    creator.timezone = zone
    labels = overview(creator=creator, now=NOW.replace(month=2, day=1, hour=3))["revenueSeries"]["labels"]
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"] * 2
    start = months.index(first)
    assert labels == months[start : start + 6] and labels[-1] == last


def test_more_than_five_fans_keeps_five_and_the_query_count(la_creator, django_assert_num_queries):
    from tests.analytics.builders import fan, pay

    for k in range(4):
        pay(fan(la_creator, f"Extra{k}"), "tip", 5000 + k, NOW - DAY)
    with django_assert_num_queries(5):
        result = overview(creator=la_creator, now=NOW)
    assert [f["name"] for f in result["topFans"]] == ["Extra3", "Extra2", "Extra1", "Extra0", "Bob"]


@pytest.mark.parametrize(
    ("age", "label"),
    [
        (timedelta(seconds=0), "0m"),
        (timedelta(seconds=59), "0m"),
        (timedelta(minutes=2, seconds=30), "2m"),
        (timedelta(minutes=59, seconds=59), "59m"),
        (timedelta(hours=1), "1h"),
        (timedelta(hours=5, minutes=59), "5h"),
        (timedelta(hours=23, minutes=59), "23h"),
        (timedelta(days=1), "1d"),
        (timedelta(days=3, hours=23), "3d"),
        (timedelta(days=400), "400d"),
    ],
)
def test_compact_age(age, label):
    assert compact_age(NOW - age, NOW) == label


def test_compact_age_never():
    assert compact_age(None, NOW) == "never"


def test_split_range_units():
    from datetime import UTC, datetime

    from analytics.summary_queries import split_range

    start, end = datetime(2026, 1, 1, 10, 30, tzinfo=UTC), datetime(2026, 1, 3, 5, 15, tzinfo=UTC)
    by_day = split_range(start, end, unit="day")
    assert by_day.whole == (datetime(2026, 1, 2, tzinfo=UTC), datetime(2026, 1, 3, tzinfo=UTC))
    assert by_day.edges == (
        (start, datetime(2026, 1, 2, tzinfo=UTC)),
        (datetime(2026, 1, 3, tzinfo=UTC), end),
    )
    by_hour = split_range(start, datetime(2026, 1, 1, 11, 10, tzinfo=UTC))
    assert by_hour.whole is None and by_hour.edges == ((start, datetime(2026, 1, 1, 11, 10, tzinfo=UTC)),)
    aligned = split_range(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC), unit="day")
    assert aligned.whole == (datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC))
    assert aligned.edges == ()
