"""The per-fan figures of the overview: distinct fans of a range, and the top fans of a window.

Both read the per-fan summaries for the whole UTC hours of a range and the raw rows for the
partial hours at its edges, like analytics.summary_queries, but neither aggregates every fan row
of a window:

- **Distinct fans** (subscribers, writers): FanHourlySubscription and FanHourlyActivity link each
  fan's rows in time order (`previous_hour`). The fans with a row in whole hours [h1, h2) are
  counted as the rows there whose previous hour is before h1, each fan's first: one covering
  index range, no DISTINCT. Fans seen only at the edges are added if they have no row in
  [h1, h2).
- **Top fans**: a fan's revenue within a window is at most what they paid (refunds not
  subtracted) in the UTC months the window touches (FanMonthlyPaid). The exact window revenue is
  computed for each month's best payers only; any other fan is bounded by the sum over those
  months of the best payment left out of each. When the fifth-best exact revenue is above that
  bound, no other fan can be in the top five and the answer is certain (Fagin's threshold
  algorithm, with sorted access cut at a fixed depth). Otherwise a full aggregation decides.

Tables and columns are taken from model metadata; every value is a query parameter.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Model

from crm.choices import Direction, TransactionKind
from crm.models import Creator, Fan, Message, Transaction

from .models import FanHourlyActivity, FanHourlyRevenue, FanHourlySubscription, FanMonthlyPaid
from .services import utc_month
from .summary_queries import FAN_REVENUE, range_parts, run_union, split_range

# How many of each month's best payers get their exact revenue computed before bounding the rest.
TOP_FAN_CANDIDATES = 50


def _qn(name: str) -> str:
    return connection.ops.quote_name(name)


def _table(model: type[Model]) -> str:
    return _qn(model._meta.db_table)


def _at(moment: datetime):
    return connection.ops.adapt_datetimefield_value(moment)


def _ranges_sql(column: str, ranges) -> tuple[str, list]:
    """`(column in range 1 OR column in range 2 ...)` for half-open ranges."""
    clauses = [f"({column} >= %s AND {column} < %s)" for _ in ranges]
    return "(" + " OR ".join(clauses) + ")", [_at(moment) for edge in ranges for moment in edge]


# --- Distinct fans -------------------------------------------------------------------------


@dataclass(frozen=True)
class FanSet:
    """The fans with a row of `raw` (where `raw_column` = `raw_value`) in a range."""

    linked: type[Model]  # the per-fan hourly table with `previous_hour` links
    raw: type[Model]
    raw_time: str
    raw_column: str
    raw_value: str


SUBSCRIBERS = FanSet(FanHourlySubscription, Transaction, "occurred_at", "kind", TransactionKind.SUBSCRIPTION)
WRITERS = FanSet(FanHourlyActivity, Message, "created_at", "direction", Direction.INCOMING)


def distinct_fan_parts(fan_set: FanSet, creator: Creator, buckets: dict) -> list[tuple[str, list]]:
    """(sql, params) parts yielding (b, n); the sum of n per bucket is its number of distinct fans."""
    linked, raw = _table(fan_set.linked), _table(fan_set.raw)
    owner, fan, hour, previous = _qn("creator_id"), _qn("fan_id"), _qn("hour"), _qn("previous_hour")
    parts = []
    for bucket, (start, end) in buckets.items():
        split = split_range(start, end)
        edges = split.edges if split.whole else ((start, end),)
        if split.whole:
            first, last = (_at(moment) for moment in split.whole)
            parts.append(
                (
                    f"SELECT %s AS b, COUNT(*) AS n FROM {linked} WHERE {owner} = %s "
                    f"AND {hour} >= %s AND {hour} < %s AND ({previous} IS NULL OR {previous} < %s)",
                    [bucket, creator.pk, first, last, first],
                )
            )
        if not edges:
            continue
        within, within_params = _ranges_sql(f"r.{_qn(fan_set.raw_time)}", edges)
        sql = (
            f"SELECT %s AS b, COUNT(DISTINCT r.{fan}) AS n FROM {raw} r "
            f"WHERE r.{owner} = %s AND r.{_qn(fan_set.raw_column)} = %s AND {within}"
        )
        params = [bucket, creator.pk, fan_set.raw_value, *within_params]
        if split.whole:
            # Fans already counted in the whole hours are not counted again.
            sql += (
                f" AND NOT EXISTS (SELECT 1 FROM {linked} s WHERE s.{fan} = r.{fan} "
                f"AND s.{hour} >= %s AND s.{hour} < %s)"
            )
            params += [first, last]
        parts.append((sql, params))
    return parts


# --- One fan's revenue in a range ----------------------------------------------------------


def fan_revenue_sql(fan_ref: str, start: datetime, end: datetime) -> tuple[str, list]:
    """An SQL expression: the revenue of the fan whose id is `fan_ref` in [start, end).

    Whole hours from FanHourlyRevenue on its (fan, hour) key, the edges from the fan's
    transactions on their (fan, occurred_at) index: a few rows, even for a fan who paid a lot.
    """
    split = split_range(start, end)
    edges = split.edges if split.whole else ((start, end),)
    terms, params = [], []
    if split.whole:
        terms.append(
            f"COALESCE((SELECT SUM(h.{_qn('revenue_cents')}) FROM {_table(FanHourlyRevenue)} h "
            f"WHERE h.{_qn('fan_id')} = {fan_ref} AND h.{_qn('hour')} >= %s AND h.{_qn('hour')} < %s), 0)"
        )
        params += [_at(moment) for moment in split.whole]
    amount, kind, occurred = _qn("amount_cents"), _qn("kind"), _qn("occurred_at")
    for edge in edges:
        # One subquery per edge: an OR of two ranges would not bound the index scan.
        terms.append(
            f"COALESCE((SELECT SUM(CASE WHEN t.{kind} = %s THEN -t.{amount} ELSE t.{amount} END) "
            f"FROM {_table(Transaction)} t WHERE t.{_qn('fan_id')} = {fan_ref} AND t.{kind} <> %s "
            f"AND t.{occurred} >= %s AND t.{occurred} < %s), 0)"
        )
        params += [TransactionKind.REFUND, TransactionKind.OPENING_BALANCE, *(_at(moment) for moment in edge)]
    return "(" + " + ".join(terms or ["0"]) + ")", params


# --- Top fans ------------------------------------------------------------------------------


def _months(start: datetime, end: datetime) -> list[datetime]:
    """The first instants of the UTC months that [start, end) touches."""
    months, month = [], utc_month(start)
    while month < end:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def top_fans(creator: Creator, current: tuple, previous: tuple, limit: int) -> list[tuple[int, int, int]]:
    """(fan id, revenue in `current`, revenue in `previous`) of the `limit` fans with the most
    positive revenue in `current`; ties by lifetime value, then oldest fan. One query, two when
    the bound cannot decide."""
    found = _top_fans_bounded(creator, current, previous, limit)
    if found is None:
        found = _top_fans_aggregated(creator, current, previous, limit)
    return found


def _top_fans_bounded(creator, current, previous, limit):
    """The top fans among each touched month's best payers, or None when the others' bound is
    not below the last of them."""
    paid = _table(FanMonthlyPaid)
    owner, month, cents, fan = _qn("creator_id"), _qn("month"), _qn("paid_cents"), _qn("fan_id")
    months = _months(*current)
    best = (
        f"SELECT m.{fan} FROM {paid} m WHERE m.{owner} = %s AND m.{month} = %s "
        f"ORDER BY m.{cents} DESC, m.{fan} DESC LIMIT {int(TOP_FAN_CANDIDATES)}"
    )
    # The best payment of a month left out of the candidates (0 when all are in).
    left_out = (
        f"COALESCE((SELECT m.{cents} FROM {paid} m WHERE m.{owner} = %s AND m.{month} = %s "
        f"ORDER BY m.{cents} DESC, m.{fan} DESC LIMIT 1 OFFSET {int(TOP_FAN_CANDIDATES)}), 0)"
    )
    candidates = " UNION ".join(f"SELECT c.{fan} FROM ({best}) c" for _ in months)
    bound = " + ".join(left_out for _ in months)
    month_params = [p for m in months for p in (creator.pk, _at(m))]
    revenue, revenue_params = fan_revenue_sql(f"c.{fan}", *current)
    trend, trend_params = fan_revenue_sql("top.f", *previous)
    fan_table, value = _table(Fan), _qn("value_cents")
    rows = _fetch(
        # Materialized: each candidate's revenue is computed once, not again for every mention.
        f"WITH scored AS MATERIALIZED (SELECT c.{fan} AS f, {revenue} AS total FROM ({candidates}) c) "
        f"SELECT top.f, top.total, {trend}, bound.v FROM (SELECT {bound} AS v) bound "
        f"LEFT JOIN (SELECT scored.f, scored.total, fan.{value} AS value FROM scored "
        f"JOIN {fan_table} fan ON fan.{_qn('id')} = scored.f WHERE scored.total > 0 "
        f"ORDER BY scored.total DESC, fan.{value} DESC, scored.f LIMIT {int(limit)}) top ON 1 = 1 "
        "ORDER BY top.total DESC, top.value DESC, top.f",
        [*revenue_params, *month_params, *trend_params, *month_params],
    )
    others_at_most = int(rows[0][3]) if rows else 0
    found = [(f, int(total), int(previous_total)) for f, total, previous_total, _ in rows if f is not None]
    if others_at_most == 0 or (len(found) == limit and found[-1][1] > others_at_most):
        return found
    return None


def _top_fans_aggregated(creator, current, previous, limit):
    """Every fan's revenue in the window, summed from the summaries (the certain way)."""
    fan_table, value = _table(Fan), _qn("value_cents")
    parts = range_parts(FAN_REVENUE, creator, {1: current})
    trend, trend_params = fan_revenue_sql("top.f", *previous)
    rows = run_union(
        parts,
        "WITH g AS MATERIALIZED (SELECT u.f AS f, SUM(u.v) AS total FROM ({union}) u "
        "GROUP BY u.f HAVING SUM(u.v) > 0) "
        f"SELECT top.f, top.total, {trend} FROM (SELECT g.f, g.total, fan.{value} AS value FROM g "
        f"JOIN {fan_table} fan ON fan.{_qn('id')} = g.f "
        # Lifetime values are looked up only for fans at or above the fifth-best revenue.
        f"WHERE g.total >= COALESCE((SELECT total FROM g ORDER BY total DESC LIMIT 1 OFFSET {int(limit) - 1}), 0) "
        f"ORDER BY g.total DESC, fan.{value} DESC, g.f LIMIT {int(limit)}) top "
        "ORDER BY top.total DESC, top.value DESC, top.f",
        after=trend_params,
    )
    return [(f, int(total), int(previous_total)) for f, total, previous_total in rows]


def _fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
