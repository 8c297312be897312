"""The analytics overview (DESIGN.md "Analytics formulas"), computed in a fixed number of SQL queries.

The ranges (windows, months, weeks) and the formulas live here; reading a range exactly from the
summaries and the raw rows is analytics.summary_queries. See docs/analytics.md.
"""

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import (
    Exists,
    OuterRef,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.exceptions import InvalidInput
from crm.choices import Direction
from crm.models import Conversation, Creator, Fan, Message, Transaction

from . import fan_queries
from .summary_queries import NEW_FANS, OUTGOING, REVENUE, range_parts, union_query

WINDOWS = {"7d": 7, "30d": 30, "90d": 90}
DEFAULT_WINDOW = "30d"
TOP_FANS = 5
VIP_TAG = "vip"
WHALE_CENTS = 50_000
LOYAL_AGE = timedelta(days=90)
SERIES_MONTHS = 6
GROWTH_WEEKS = 4
MONTH_LABELS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# Bucket ids: one query may carry several families of ranges.
PREVIOUS, CURRENT = 0, 1
MONTH = 100  # MONTH + k: the k-th of the six months, oldest first
WEEK = 200  # WEEK + k: the k-th of the four weeks, oldest first


# --- Ranges --------------------------------------------------------------------------------


def creator_zone(creator: Creator) -> ZoneInfo:
    try:
        return ZoneInfo(creator.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def month_ranges(now: datetime, zone: ZoneInfo) -> list[tuple[str, datetime, datetime]]:
    """The last six calendar months in `zone`, oldest first; the current one ends at `now`."""
    local = now.astimezone(zone)
    year, month = local.year, local.month
    starts = []
    for _ in range(SERIES_MONTHS):
        starts.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    starts.reverse()
    instants = [datetime(y, m, 1, tzinfo=zone).astimezone(UTC) for y, m in starts] + [now]
    return [(MONTH_LABELS[m - 1], a, b) for (_, m), (a, b) in zip(starts, pairwise(instants), strict=True)]


def week_ranges(now: datetime) -> list[tuple[str, datetime, datetime]]:
    """Four rolling 7-day periods ending at `now`, "Week 1" the oldest."""
    edges = [now - timedelta(days=7 * (GROWTH_WEEKS - k)) for k in range(GROWTH_WEEKS + 1)]
    return [(f"Week {k + 1}", a, b) for k, (a, b) in enumerate(pairwise(edges))]


# --- Formatting ----------------------------------------------------------------------------


def rate(numerator, denominator) -> float:
    return round(numerator / denominator, 4) if denominator else 0.0


def change(current, previous) -> float:
    """(current - previous) / previous, 0 when previous is 0; a negative previous (refunds
    outweighing sales) divides by its magnitude so that a rise still reads as a rise."""
    return round((current - previous) / abs(previous), 4) if previous else 0.0


def compact_age(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "never"
    seconds = max(0, int((now - moment).total_seconds()))
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def badge(*, is_vip: bool, lifetime_cents: int, first_transaction_at: datetime | None, now: datetime) -> str:
    if is_vip:
        return "vip"
    if lifetime_cents >= WHALE_CENTS:
        return "whale"
    if first_transaction_at is not None and now - first_transaction_at >= LOYAL_AGE:
        return "loyal"
    return "new"


# --- The overview --------------------------------------------------------------------------


def parse_window(window) -> int:
    if window is None or window == "":
        window = DEFAULT_WINDOW
    days = WINDOWS.get(window) if isinstance(window, str) else None
    if days is None:
        raise InvalidInput("Invalid window", field="window")
    return days


def overview(*, creator: Creator, window: str = DEFAULT_WINDOW, now: datetime | None = None) -> dict:
    """The seed's analytics overview for `creator` at `now` (5 queries, 4 when no fan has revenue)."""
    span = timedelta(days=parse_window(window))
    now = now or timezone.now()
    windows = {PREVIOUS: (now - 2 * span, now - span), CURRENT: (now - span, now)}
    months = month_ranges(now, creator_zone(creator))
    weeks = week_ranges(now)
    month_buckets = {MONTH + k: (a, b) for k, (_, a, b) in enumerate(months)}
    week_buckets = {WEEK + k: (a, b) for k, (_, a, b) in enumerate(weeks)}

    revenue = _revenue(creator, {**windows, **month_buckets})
    counts = _counts(creator, windows, week_buckets)
    distinct = _distinct_fans(creator, windows, week_buckets)
    top_fans = _top_fans(creator, windows, now)

    window_revenue = {b: sum(v for (bb, _), v in revenue.items() if bb == b) for b in windows}
    outgoing = {b: counts.get(b, (0, 0, 0, 0)) for b in windows}
    response = {b: (s / r if r else 0) for b, (_, _, r, s) in outgoing.items()}
    automation = {b: (ai / n if n else 0) for b, (n, ai, _, _) in outgoing.items()}
    subscribers = {b: distinct.get(b, 0) for b in windows}

    return {
        "metrics": {
            "revenueMonthly": window_revenue[CURRENT],
            "activeSubscribers": subscribers[CURRENT],
            "avgResponseSeconds": round(response[CURRENT]),
            "aiAutomationRate": round(automation[CURRENT], 4),
            "change": {
                "revenue": change(window_revenue[CURRENT], window_revenue[PREVIOUS]),
                "subscribers": change(subscribers[CURRENT], subscribers[PREVIOUS]),
                "response": change(response[CURRENT], response[PREVIOUS]),
                "automation": change(automation[CURRENT], automation[PREVIOUS]),
            },
        },
        "topFans": top_fans,
        "platformDistribution": _platform_distribution(revenue),
        "revenueSeries": {
            "labels": [label for label, _, _ in months],
            "values": [sum(v for (b, _), v in revenue.items() if b == bucket) for bucket in month_buckets],
        },
        "fanGrowth": {
            "labels": [label for label, _, _ in weeks],
            "newFans": [counts.get(bucket, (0,))[0] for bucket in week_buckets],
            "activeFans": [distinct.get(bucket, 0) for bucket in week_buckets],
        },
    }


def _revenue(creator, buckets) -> dict[tuple[int, str], int]:
    """Revenue per (bucket, platform)."""
    rows = union_query(range_parts(REVENUE, creator, buckets), "u.b, u.p, SUM(u.v)", "GROUP BY u.b, u.p")
    return {(bucket, platform): int(total) for bucket, platform, total in rows}


def _counts(creator, windows, week_buckets) -> dict[int, tuple[int, int, int, int]]:
    """Per bucket (n, ai, r, s): outgoing messages per window, fans created per week (in n)."""
    parts = range_parts(OUTGOING, creator, windows) + range_parts(NEW_FANS, creator, week_buckets)
    rows = union_query(parts, "u.b, SUM(u.n), SUM(u.ai), SUM(u.r), SUM(u.s)", "GROUP BY u.b")
    return {bucket: tuple(int(x) for x in sums) for bucket, *sums in rows}


def _distinct_fans(creator, windows, week_buckets) -> dict[int, int]:
    """Distinct subscribing fans per window and distinct writing fans per week."""
    parts = fan_queries.distinct_fan_parts(fan_queries.SUBSCRIBERS, creator, windows)
    parts += fan_queries.distinct_fan_parts(fan_queries.WRITERS, creator, week_buckets)
    rows = union_query(parts, "u.b, SUM(u.n)", "GROUP BY u.b")
    return {bucket: int(n) for bucket, n in rows}


def _platform_distribution(revenue) -> list[dict]:
    """Platforms with positive revenue in the current window, largest first; shares sum to 1."""
    by_platform = {p: v for (b, p), v in revenue.items() if b == CURRENT and v > 0}
    total = sum(by_platform.values())
    ordered = sorted(by_platform.items(), key=lambda item: (-item[1], item[0]))
    return [{"platform": p, "share": rate(v, total), "revenue": v} for p, v in ordered]


def _top_fans(creator, windows, now) -> list[dict]:
    ranked = fan_queries.top_fans(creator, windows[CURRENT], windows[PREVIOUS], TOP_FANS)
    if not ranked:
        return []
    fans = (
        Fan.objects.filter(creator=creator, pk__in=[fan_id for fan_id, _, _ in ranked])
        .annotate(
            is_vip=Exists(Fan.tags.through.objects.filter(fan_id=OuterRef("pk"), tag__name__iexact=VIP_TAG)),
            first_transaction_at=Subquery(
                Transaction.objects.filter(fan=OuterRef("pk"))
                .order_by("occurred_at")
                .values("occurred_at")[:1]
            ),
            last_incoming_at=Subquery(
                Message.objects.filter(fan=OuterRef("pk"), direction=Direction.INCOMING, created_at__lt=now)
                .order_by("-created_at")
                .values("created_at")[:1]
            ),
            # The conversations' exact counters: a whale's 100k messages are not counted again.
            message_total=Coalesce(
                Subquery(
                    Conversation.objects.filter(fan=OuterRef("pk"))
                    .order_by()
                    .values("fan")
                    .annotate(n=Sum("message_count"))
                    .values("n")
                ),
                Value(0),
            ),
        )
        .only("id", "name", "handle", "value_cents")
    )
    by_id = {fan.pk: fan for fan in fans}
    result = []
    for fan_id, window_revenue, previous_revenue in ranked:
        fan = by_id[fan_id]
        result.append(
            {
                "name": fan.name,
                "username": fan.handle,
                "revenue": window_revenue,
                "messages": int(fan.message_total),
                "lastActive": compact_age(fan.last_incoming_at, now),
                "badge": badge(
                    is_vip=fan.is_vip,
                    lifetime_cents=fan.value_cents,
                    first_transaction_at=fan.first_transaction_at,
                    now=now,
                ),
                "trend": change(window_revenue, previous_revenue),
            }
        )
    return result
