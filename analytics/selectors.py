"""The analytics overview (DESIGN.md "Analytics formulas"), computed in a fixed number of SQL queries.

How a figure over [start, end) stays exact at any instant: the whole UTC hours inside the range
come from the hourly summaries (analytics.models), and the partial hours at its two edges from the raw
rows on their (creator, time) indexes. Every range of every figure becomes such "parts"; one query
per family of figures unions them (UNION ALL) and aggregates per bucket, so the work depends on
the number of summary rows in the windows, never on the number of raw rows. See docs/analytics.md.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import connection
from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from crm.choices import Direction, TransactionKind
from crm.exceptions import InvalidInput
from crm.models import Conversation, Creator, Fan, Message, Transaction

from .models import (
    DailyRevenue,
    FanHourlyActivity,
    FanHourlyRevenue,
    FanHourlySubscription,
    HourlyMessaging,
    HourlyRevenue,
)
from .services import signed_amount

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


# --- Splitting ranges into whole hours and edges -------------------------------------------

HOUR = timedelta(hours=1)


def _floor_hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _floor_day(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


UNITS = {"hour": (_floor_hour, HOUR), "day": (_floor_day, timedelta(days=1))}


@dataclass(frozen=True)
class Split:
    """[start, end) as whole UTC units [first, end) (hours or days) plus the instants left at its edges."""

    whole: tuple[datetime, datetime] | None
    edges: tuple[tuple[datetime, datetime], ...]


def split_range(start: datetime, end: datetime, unit: str = "hour") -> Split:
    floor, step = UNITS[unit]
    first = floor(start)
    if first < start:
        first += step
    last = floor(end)  # the unit holding `end` is never whole
    if first >= last:
        return Split(whole=None, edges=((start, end),) if start < end else ())
    edges = []
    if start < first:
        edges.append((start, first))
    if last < end:
        edges.append((last, end))
    return Split(whole=(first, last), edges=tuple(edges))


# --- Sources: how one family of figures reads a range ---------------------------------------
# A source compiles two SELECTs once per process (whole hours from a summary table, an edge from
# the raw rows) with sentinel values in place of the creator, the bucket and the range; every
# range then reuses the compiled SQL with its own parameters. Only SQL text is kept, never data.

S_CREATOR = -7_000_001
S_BUCKET = -7_000_002
S_HOURS = (datetime(1001, 1, 1, 1, tzinfo=UTC), datetime(1001, 1, 1, 2, tzinfo=UTC))
S_TIMES = (datetime(1002, 1, 1, tzinfo=UTC), datetime(1002, 1, 2, tzinfo=UTC))
S_DAYS = (datetime(1003, 1, 1, tzinfo=UTC), datetime(1003, 1, 2, tzinfo=UTC))


@dataclass(frozen=True)
class Source:
    """`summary(creator_id, first_hour, end_hour)` and `raw(creator_id, start, end)` querysets."""

    name: str
    summary: Callable[[int, datetime, datetime], QuerySet] | None
    summary_columns: dict
    raw: Callable[[int, datetime, datetime], QuerySet]
    raw_columns: dict
    # Optional coarser level: whole UTC days (`daily(creator_id, first_day, end_day)`), for the
    # long creator-level ranges (six months) where hourly rows would be many.
    daily: Callable[[int, datetime, datetime], QuerySet] | None = None
    daily_columns: dict | None = None


@dataclass(frozen=True)
class Statement:
    sql: str
    params: tuple
    slots: tuple[tuple[int, str], ...]  # (parameter position, "creator" | "bucket" | "start" | "end")

    def bind(self, **values) -> list:
        params = list(self.params)
        for position, slot in self.slots:
            params[position] = values[slot]
        return params


_statements: dict[tuple, Statement] = {}


def _statement(source: Source, kind: str) -> Statement:
    key = (connection.vendor, source.name, kind)
    if key not in _statements:
        if kind == "summary":
            qs, columns, (start, end) = source.summary(S_CREATOR, *S_HOURS), source.summary_columns, S_HOURS
        elif kind == "daily":
            qs, columns, (start, end) = source.daily(S_CREATOR, *S_DAYS), source.daily_columns, S_DAYS
        else:
            qs, columns, (start, end) = source.raw(S_CREATOR, *S_TIMES), source.raw_columns, S_TIMES
        adapt = connection.ops.adapt_datetimefield_value
        qs = qs.order_by().annotate(b=Value(S_BUCKET, output_field=IntegerField()), **columns)
        sql, params = qs.values("b", *columns).query.sql_with_params()
        sentinels = {S_CREATOR: "creator", S_BUCKET: "bucket", adapt(start): "start", adapt(end): "end"}
        slots = tuple(
            (i, sentinels[p])
            for i, p in enumerate(params)
            if isinstance(p, (int, str, date)) and not isinstance(p, bool) and p in sentinels
        )
        if sorted(slot for _, slot in slots) != ["bucket", "creator", "end", "start"]:
            raise RuntimeError(f"analytics source {source.name}: sentinel parameters not found once each")
        _statements[key] = Statement(sql=sql, params=tuple(params), slots=slots)
    return _statements[key]


def _parts(source: Source, creator: Creator, buckets: dict[int, tuple[datetime, datetime]]) -> list:
    """(sql, params) per whole-day span, whole-hour span and raw edge; all yield ("b", *columns)."""
    ops = connection.ops
    parts = []

    def add(kind, bucket, first, last):
        statement = _statement(source, kind)
        first, last = ops.adapt_datetimefield_value(first), ops.adapt_datetimefield_value(last)
        parts.append(
            (statement.sql, statement.bind(creator=creator.pk, bucket=bucket, start=first, end=last))
        )

    for bucket, whole in buckets.items():
        pieces = [whole]
        if source.daily is not None:
            by_day = split_range(*whole, unit="day")
            if by_day.whole:
                add("daily", bucket, *by_day.whole)
                pieces = list(by_day.edges)
        for start, end in pieces:
            _hourly_and_raw(source, bucket, start, end, add)
    return parts


def _hourly_and_raw(source: Source, bucket: int, start: datetime, end: datetime, add) -> None:
    split = split_range(start, end)
    edges = split.edges
    if split.whole and source.summary is not None:
        add("summary", bucket, *split.whole)
    elif split.whole:
        edges = ((start, end),)
    for edge in edges:
        add("raw", bucket, *edge)


def _union_query(parts: list, select: str, tail: str) -> list[tuple]:
    """Run `SELECT {select} FROM (part UNION ALL part ...) u {tail}` and return its rows."""
    return _run(parts, f"SELECT {select} FROM ({{union}}) u {tail}")  # noqa: S608


def _run(parts: list, template: str) -> list[tuple]:
    """Run `template` with `{union}` replaced by the parts joined with UNION ALL."""
    if not parts:
        return []
    union = " UNION ALL ".join(part_sql for part_sql, _ in parts)
    params = [p for _, part_params in parts for p in part_params]
    with connection.cursor() as cursor:
        # Only fixed SQL fragments and Django-compiled parts; every value is a parameter.
        cursor.execute(template.replace("{union}", union), params)
        return cursor.fetchall()


# --- The sources ---------------------------------------------------------------------------

REVENUE = Source(
    name="revenue",
    daily=lambda creator_id, first, end: DailyRevenue.objects.filter(
        creator_id=creator_id, day__gte=first, day__lt=end
    ),
    daily_columns={"p": F("platform"), "v": F("revenue_cents")},
    summary=lambda creator_id, first, end: HourlyRevenue.objects.filter(
        creator_id=creator_id, hour__gte=first, hour__lt=end
    ),
    summary_columns={"p": F("platform"), "v": F("revenue_cents")},
    raw=lambda creator_id, start, end: Transaction.objects.filter(
        creator_id=creator_id, occurred_at__gte=start, occurred_at__lt=end
    ).exclude(kind=TransactionKind.OPENING_BALANCE),
    raw_columns={"p": F("platform"), "v": signed_amount()},
)

# Outgoing messages: how many (n), by AI (ai), answered ones (r) and their response seconds (s).
OUTGOING = Source(
    name="outgoing",
    summary=lambda creator_id, first, end: HourlyMessaging.objects.filter(
        creator_id=creator_id, hour__gte=first, hour__lt=end
    ),
    summary_columns={
        "n": F("outgoing"),
        "ai": F("outgoing_ai"),
        "r": F("responses"),
        "s": F("response_seconds"),
    },
    raw=lambda creator_id, start, end: Message.objects.filter(
        creator_id=creator_id, direction=Direction.OUTGOING, created_at__gte=start, created_at__lt=end
    ),
    raw_columns={
        "n": Value(1, output_field=IntegerField()),
        "ai": Case(When(sent_by_ai=True, then=Value(1)), default=Value(0), output_field=IntegerField()),
        "r": Case(
            When(response_seconds__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField()
        ),
        "s": Coalesce(F("response_seconds"), Value(0), output_field=IntegerField()),
    },
)

# Fans created, in OUTGOING's columns (n) so that one query carries both. No summary: the
# (creator, created_at) index of crm_fan answers directly.
NEW_FANS = Source(
    name="new_fans",
    summary=None,
    summary_columns={},
    raw=lambda creator_id, start, end: Fan.objects.filter(
        creator_id=creator_id, created_at__gte=start, created_at__lt=end
    ),
    raw_columns={
        "n": Value(1, output_field=IntegerField()),
        "ai": Value(0, output_field=IntegerField()),
        "r": Value(0, output_field=IntegerField()),
        "s": Value(0, output_field=IntegerField()),
    },
)

SUBSCRIBERS = Source(
    name="subscribers",
    summary=lambda creator_id, first, end: FanHourlySubscription.objects.filter(
        creator_id=creator_id, hour__gte=first, hour__lt=end
    ),
    summary_columns={"f": F("fan_id")},
    raw=lambda creator_id, start, end: Transaction.objects.filter(
        creator_id=creator_id, kind=TransactionKind.SUBSCRIPTION, occurred_at__gte=start, occurred_at__lt=end
    ),
    raw_columns={"f": F("fan_id")},
)

ACTIVE_FANS = Source(
    name="active_fans",
    summary=lambda creator_id, first, end: FanHourlyActivity.objects.filter(
        creator_id=creator_id, hour__gte=first, hour__lt=end
    ),
    summary_columns={"f": F("fan_id")},
    raw=lambda creator_id, start, end: Message.objects.filter(
        creator_id=creator_id, direction=Direction.INCOMING, created_at__gte=start, created_at__lt=end
    ),
    raw_columns={"f": F("fan_id")},
)

FAN_REVENUE = Source(
    name="fan_revenue",
    summary=lambda creator_id, first, end: FanHourlyRevenue.objects.filter(
        creator_id=creator_id, hour__gte=first, hour__lt=end
    ),
    summary_columns={"f": F("fan_id"), "v": F("revenue_cents")},
    raw=lambda creator_id, start, end: Transaction.objects.filter(
        creator_id=creator_id, occurred_at__gte=start, occurred_at__lt=end
    ).exclude(kind=TransactionKind.OPENING_BALANCE),
    raw_columns={"f": F("fan_id"), "v": signed_amount()},
)


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
    rows = _union_query(_parts(REVENUE, creator, buckets), "u.b, u.p, SUM(u.v)", "GROUP BY u.b, u.p")
    return {(bucket, platform): int(total) for bucket, platform, total in rows}


def _counts(creator, windows, week_buckets) -> dict[int, tuple[int, int, int, int]]:
    """Per bucket (n, ai, r, s): outgoing messages per window, fans created per week (in n)."""
    parts = _parts(OUTGOING, creator, windows) + _parts(NEW_FANS, creator, week_buckets)
    rows = _union_query(parts, "u.b, SUM(u.n), SUM(u.ai), SUM(u.r), SUM(u.s)", "GROUP BY u.b")
    return {bucket: tuple(int(x) for x in sums) for bucket, *sums in rows}


def _distinct_fans(creator, windows, week_buckets) -> dict[int, int]:
    """Distinct subscribing fans per window and distinct writing fans per week."""
    parts = _parts(SUBSCRIBERS, creator, windows) + _parts(ACTIVE_FANS, creator, week_buckets)
    rows = _union_query(parts, "u.b, COUNT(DISTINCT u.f)", "GROUP BY u.b")
    return {bucket: int(n) for bucket, n in rows}


def _platform_distribution(revenue) -> list[dict]:
    """Platforms with positive revenue in the current window, largest first; shares sum to 1."""
    by_platform = {p: v for (b, p), v in revenue.items() if b == CURRENT and v > 0}
    total = sum(by_platform.values())
    ordered = sorted(by_platform.items(), key=lambda item: (-item[1], item[0]))
    return [{"platform": p, "share": rate(v, total), "revenue": v} for p, v in ordered]


def _top_fans(creator, windows, now) -> list[dict]:
    qn = connection.ops.quote_name
    fan_table = qn(Fan._meta.db_table)
    # Ranked among the fans with positive window revenue; ties: lifetime value, then oldest fan.
    # Lifetime value is looked up only for fans at or above the fifth-best revenue, not for all.
    rows = _run(
        _parts(FAN_REVENUE, creator, {CURRENT: windows[CURRENT]}),
        "WITH g AS MATERIALIZED (SELECT u.f AS f, SUM(u.v) AS total FROM ({union}) u "  # noqa: S608
        "GROUP BY u.f HAVING SUM(u.v) > 0) "
        f"SELECT g.f, g.total FROM g JOIN {fan_table} fan ON fan.{qn('id')} = g.f "
        f"WHERE g.total >= COALESCE((SELECT total FROM g ORDER BY total DESC LIMIT 1 OFFSET {TOP_FANS - 1}), 0) "
        f"ORDER BY g.total DESC, fan.{qn('value_cents')} DESC, g.f LIMIT {TOP_FANS}",
    )
    if not rows:
        return []
    revenue = {fan_id: int(total) for fan_id, total in rows}
    previous_start, previous_end = windows[PREVIOUS]
    fans = (
        Fan.objects.filter(creator=creator, pk__in=revenue)
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
            previous_revenue=Coalesce(
                Subquery(
                    Transaction.objects.filter(
                        fan=OuterRef("pk"), occurred_at__gte=previous_start, occurred_at__lt=previous_end
                    )
                    .exclude(kind=TransactionKind.OPENING_BALANCE)
                    .order_by()
                    .values("fan")
                    .annotate(total=Sum(signed_amount()))
                    .values("total")
                ),
                Value(0),
            ),
        )
        .only("id", "name", "handle", "value_cents")
    )
    by_id = {fan.pk: fan for fan in fans}
    result = []
    for fan_id, window_revenue in revenue.items():
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
                "trend": change(window_revenue, int(fan.previous_revenue)),
            }
        )
    return result
