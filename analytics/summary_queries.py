"""Exact figures over arbitrary instants from the summaries: the SQL side of the overview.

A range [start, end) is read as its whole UTC days (DailyRevenue, for revenue), the whole UTC
hours left (the hourly summaries) and the partial hours at its two edges (the raw rows, on their
(creator, time) indexes). A "source" says how one family of figures reads each of those; every
range of every figure becomes such "parts", and one query per family unions them (UNION ALL) and
aggregates per bucket. The work depends on the number of summary rows in the ranges, never on the
number of raw rows. See docs/analytics.md.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db import connection
from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.db.models.functions import Coalesce

from crm.choices import Direction, TransactionKind
from crm.models import Creator, Fan, Message, Transaction

from .models import (
    DailyRevenue,
    FanHourlyRevenue,
    HourlyMessaging,
    HourlyRevenue,
)
from .services import signed_amount, utc_hour

# --- Splitting ranges into whole hours and edges -------------------------------------------

HOUR = timedelta(hours=1)


def _floor_day(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


UNITS = {"hour": (utc_hour, HOUR), "day": (_floor_day, timedelta(days=1))}


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


def range_parts(source: Source, creator: Creator, buckets: dict[int, tuple[datetime, datetime]]) -> list:
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


def union_query(parts: list, select: str, tail: str) -> list[tuple]:
    """Run `SELECT {select} FROM (part UNION ALL part ...) u {tail}` and return its rows."""
    return run_union(parts, f"SELECT {select} FROM ({{union}}) u {tail}")  # noqa: S608


def run_union(parts: list, template: str, after: list = ()) -> list[tuple]:
    """Run `template` with `{union}` replaced by the parts joined with UNION ALL; `after` are the
    parameters of the template's own placeholders, all of them after `{union}`."""
    if not parts:
        return []
    union = " UNION ALL ".join(part_sql for part_sql, _ in parts)
    params = [p for _, part_params in parts for p in part_params] + list(after)
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

# The top fans' full aggregation (analytics.fan_queries, when the monthly bound cannot decide).
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
