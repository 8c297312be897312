"""Keeps the summaries (analytics.models) exact. crm.services calls these; nothing else writes them.

Increments are single `INSERT ... ON CONFLICT DO UPDATE SET col = col + excluded.col` statements
(SQLite >= 3.24 and PostgreSQL), so concurrent writers never lose a count, and they run inside
the caller's transaction: a rolled-back message or transaction leaves no trace here either. The
per-fan links (`previous_hour`) read before they write, so writers of one fan take turns on the
fan's row lock.
"""

from datetime import UTC, datetime

from django.db import connection, transaction
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, TruncDay, TruncHour, TruncMonth

from crm.choices import Direction, TransactionKind
from crm.models import Creator, Fan, Message, Transaction

from .models import (
    DailyRevenue,
    FanHourlyActivity,
    FanHourlyRevenue,
    FanHourlySubscription,
    FanMonthlyPaid,
    HourlyMessaging,
    HourlyRevenue,
)

SUMMARY_MODELS = (
    DailyRevenue,
    HourlyRevenue,
    HourlyMessaging,
    FanHourlyRevenue,
    FanHourlySubscription,
    FanHourlyActivity,
    FanMonthlyPaid,
)


def utc_hour(moment: datetime) -> datetime:
    """The start of the UTC hour holding `moment`: the key of every summary row."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def utc_month(moment: datetime) -> datetime:
    """The first instant of the UTC month holding `moment` (the key of FanMonthlyPaid)."""
    return utc_hour(moment).replace(day=1, hour=0)


def signed_amount():
    """A transaction's contribution to revenue: refunds subtract."""
    return Case(
        When(kind=TransactionKind.REFUND, then=-F("amount_cents")),
        default=F("amount_cents"),
        output_field=IntegerField(),
    )


def _upsert(
    model, *, conflict: dict, extra: dict | None = None, increments: dict, computed: dict | None = None
) -> None:
    """Add `increments` to the row identified by the unique `conflict` columns, creating it when
    missing; `computed` columns of a new row are `(sql, params)` expressions (not updated)."""
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    values = {**conflict, **(extra or {}), **increments}
    params = [
        connection.ops.adapt_datetimefield_value(v) if isinstance(v, datetime) else v for v in values.values()
    ]
    expressions = ["%s"] * len(values)
    for sql, sql_params in (computed or {}).values():
        expressions.append(f"({sql})")
        params += sql_params
    columns = ", ".join(qn(c) for c in [*values, *(computed or {})])
    target = ", ".join(qn(c) for c in conflict)
    updates = ", ".join(f"{qn(c)} = {table}.{qn(c)} + excluded.{qn(c)}" for c in increments)
    with connection.cursor() as cursor:
        cursor.execute(
            # Identifiers come from model metadata only; every value is a parameter.
            f"INSERT INTO {table} ({columns}) VALUES ({', '.join(expressions)}) "  # noqa: S608
            f"ON CONFLICT ({target}) DO UPDATE SET {updates}",
            params,
        )


def _linked_upsert(model, *, fan_id: int, creator_id: int, hour: datetime, increments: dict) -> None:
    """`_upsert` for a table whose rows link each fan's previous hour (FanHourlySubscription,
    FanHourlyActivity): a new row points at the fan's latest earlier row, and the fan's next row,
    if any, now points at it. Writes may come in any time order (back-dated imports)."""
    if connection.features.has_select_for_update:
        # The links read, then write, the fan's rows: writers of one fan take turns on the fan's
        # row lock (crm.services has usually taken it already). SQLite serialises all writers.
        list(Fan.objects.select_for_update().filter(pk=fan_id).values_list("pk"))
    qn = connection.ops.quote_name
    table, fan, at = qn(model._meta.db_table), qn("fan_id"), qn("hour")
    moment = connection.ops.adapt_datetimefield_value(hour)
    latest_before = (
        f"SELECT MAX(p.{at}) FROM {table} p WHERE p.{fan} = %s AND p.{at} < %s",  # noqa: S608
        [fan_id, moment],
    )
    _upsert(
        model,
        conflict={"fan_id": fan_id, "hour": hour},
        extra={"creator_id": creator_id},
        increments=increments,
        computed={"previous_hour": latest_before},
    )
    with connection.cursor() as cursor:
        # Idempotent: when the row already existed, its successor already pointed at it.
        cursor.execute(
            f"UPDATE {table} SET {qn('previous_hour')} = %s WHERE {fan} = %s AND {at} = "  # noqa: S608
            f"(SELECT MIN(n.{at}) FROM {table} n WHERE n.{fan} = %s AND n.{at} > %s)",
            [moment, fan_id, fan_id, moment],
        )


def message_recorded(*, message: Message) -> None:
    """Count a newly stored message: outgoing ones per creator-hour, incoming ones per fan-hour."""
    hour = utc_hour(message.created_at)
    if message.direction == Direction.OUTGOING:
        answered = message.response_seconds is not None
        _upsert(
            HourlyMessaging,
            conflict={"creator_id": message.creator_id, "hour": hour},
            increments={
                "outgoing": 1,
                "outgoing_ai": int(bool(message.sent_by_ai)),
                "responses": int(answered),
                "response_seconds": message.response_seconds if answered else 0,
            },
        )
    elif message.direction == Direction.INCOMING:
        _linked_upsert(
            FanHourlyActivity,
            fan_id=message.fan_id,
            creator_id=message.creator_id,
            hour=hour,
            increments={"incoming": 1},
        )


def transaction_recorded(*, txn: Transaction) -> None:
    """Count a newly stored transaction; opening balances only seed lifetime value, never revenue."""
    if txn.kind == TransactionKind.OPENING_BALANCE:
        return
    hour = utc_hour(txn.occurred_at)
    amount = txn.signed_amount_cents
    _upsert(
        HourlyRevenue,
        conflict={"creator_id": txn.creator_id, "hour": hour, "platform": txn.platform},
        increments={"revenue_cents": amount, "transactions": 1},
    )
    _upsert(
        DailyRevenue,
        conflict={"creator_id": txn.creator_id, "day": hour.replace(hour=0), "platform": txn.platform},
        increments={"revenue_cents": amount, "transactions": 1},
    )
    _upsert(
        FanHourlyRevenue,
        conflict={"fan_id": txn.fan_id, "hour": hour},
        extra={"creator_id": txn.creator_id},
        increments={"revenue_cents": amount},
    )
    if txn.kind != TransactionKind.REFUND:
        _upsert(
            FanMonthlyPaid,
            conflict={"fan_id": txn.fan_id, "month": utc_month(txn.occurred_at)},
            extra={"creator_id": txn.creator_id},
            increments={"paid_cents": txn.amount_cents},
        )
    if txn.kind == TransactionKind.SUBSCRIPTION:
        _linked_upsert(
            FanHourlySubscription,
            fan_id=txn.fan_id,
            creator_id=txn.creator_id,
            hour=hour,
            increments={"subscriptions": 1},
        )


def fan_forget(*, fan: Fan) -> None:
    """Before a fan is deleted: take their messages and money out of the creator-level summaries.

    Their per-fan rows go with the fan (FK cascade); these creator-level rows would not. One
    statement per table, however long the fan's history.
    """
    revenue = ["revenue_cents", "transactions"]
    transactions = Transaction.objects.filter(fan=fan)
    _subtract(HourlyRevenue, _revenue_rows(transactions), ["creator_id", "hour", "platform"], revenue)
    _subtract(
        DailyRevenue, _revenue_rows(transactions, unit="day"), ["creator_id", "day", "platform"], revenue
    )
    _subtract(
        HourlyMessaging,
        _messaging_rows(Message.objects.filter(fan=fan)),
        ["creator_id", "hour"],
        ["outgoing", "outgoing_ai", "responses", "response_seconds"],
    )
    # Rows left summing nothing are dropped, as a rebuild would not create them.
    HourlyRevenue.objects.filter(creator_id=fan.creator_id, transactions=0).delete()
    DailyRevenue.objects.filter(creator_id=fan.creator_id, transactions=0).delete()
    HourlyMessaging.objects.filter(creator_id=fan.creator_id, outgoing=0).delete()


def _subtract(model, rows: QuerySet, keys: list[str], columns: list[str]) -> None:
    """Subtract the aggregated `rows` from the rows of `model` with the same `keys`:
    one `UPDATE ... FROM` (every SQLite Django supports, and PostgreSQL)."""
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    sql, params = rows.query.sql_with_params()
    changes = ", ".join(f"{qn(c)} = {table}.{qn(c)} - q.{qn(c)}" for c in columns)
    match = " AND ".join(f"{table}.{qn(k)} = q.{qn(k)}" for k in keys)
    with connection.cursor() as cursor:
        # Identifiers come from model metadata only; every value is a parameter.
        cursor.execute(f"UPDATE {table} SET {changes} FROM ({sql}) q WHERE {match}", params)  # noqa: S608


# --- Rebuilding from the raw rows ----------------------------------------------------------
# Each summary is one aggregate query over the raw table; the rebuild inserts its rows with a
# single INSERT ... SELECT, so no raw row passes through Python.


def _revenue_rows(transactions: QuerySet, *, unit: str = "hour") -> QuerySet:
    trunc = TruncHour if unit == "hour" else TruncDay
    return (
        transactions.exclude(kind=TransactionKind.OPENING_BALANCE)
        .order_by()
        .values("creator_id", "platform", **{unit: trunc("occurred_at", tzinfo=UTC)})
        .annotate(revenue_cents=Sum(signed_amount()), transactions=Count("id"))
    )


def _fan_revenue_rows(transactions: QuerySet) -> QuerySet:
    return (
        transactions.exclude(kind=TransactionKind.OPENING_BALANCE)
        .order_by()
        .values("creator_id", "fan_id", hour=TruncHour("occurred_at", tzinfo=UTC))
        .annotate(revenue_cents=Sum(signed_amount()))
    )


def _fan_subscription_rows(transactions: QuerySet) -> QuerySet:
    return (
        transactions.filter(kind=TransactionKind.SUBSCRIPTION)
        .order_by()
        .values("creator_id", "fan_id", hour=TruncHour("occurred_at", tzinfo=UTC))
        .annotate(subscriptions=Count("id"))
    )


def _fan_paid_rows(transactions: QuerySet) -> QuerySet:
    return (
        transactions.exclude(kind__in=[TransactionKind.OPENING_BALANCE, TransactionKind.REFUND])
        .order_by()
        .values("creator_id", "fan_id", month=TruncMonth("occurred_at", tzinfo=UTC))
        .annotate(paid_cents=Sum("amount_cents"))
    )


def _messaging_rows(messages: QuerySet) -> QuerySet:
    return (
        messages.filter(direction=Direction.OUTGOING)
        .order_by()
        .values("creator_id", hour=TruncHour("created_at", tzinfo=UTC))
        .annotate(
            outgoing=Count("id"),
            outgoing_ai=Count("id", filter=Q(sent_by_ai=True)),
            responses=Count("response_seconds"),
            response_seconds=Coalesce(Sum("response_seconds"), Value(0)),
        )
    )


def _fan_activity_rows(messages: QuerySet) -> QuerySet:
    return (
        messages.filter(direction=Direction.INCOMING)
        .order_by()
        .values("creator_id", "fan_id", hour=TruncHour("created_at", tzinfo=UTC))
        .annotate(incoming=Count("id"))
    )


def _insert_from(model, rows: QuerySet, columns: list[str], *, linked: bool = False) -> None:
    """INSERT ... SELECT `columns` of the aggregated `rows`; `linked` adds each fan's previous
    hour among them (the `previous_hour` of FanHourlySubscription and FanHourlyActivity)."""
    qn = connection.ops.quote_name
    sql, params = rows.query.sql_with_params()
    # Select by alias so the column order of Django's compiled SELECT does not matter.
    selected = [f"q.{qn(c)}" for c in columns]
    if linked:
        columns = [*columns, "previous_hour"]
        selected.append(f"LAG(q.{qn('hour')}) OVER (PARTITION BY q.{qn('fan_id')} ORDER BY q.{qn('hour')})")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(c) for c in columns)}) "  # noqa: S608
            f"SELECT {', '.join(selected)} FROM ({sql}) q",
            params,
        )


@transaction.atomic
def analytics_rebuild(*, creator: Creator | None = None) -> None:
    """Recompute every summary from the raw rows (all creators, or one)."""
    scope = {"creator": creator} if creator is not None else {}
    for model in SUMMARY_MODELS:
        model.objects.filter(**scope).delete()
    transactions = Transaction.objects.filter(**scope)
    messages = Message.objects.filter(**scope)
    _insert_from(
        HourlyRevenue,
        _revenue_rows(transactions),
        ["creator_id", "hour", "platform", "revenue_cents", "transactions"],
    )
    _insert_from(
        DailyRevenue,
        _revenue_rows(transactions, unit="day"),
        ["creator_id", "day", "platform", "revenue_cents", "transactions"],
    )
    _insert_from(
        FanHourlyRevenue,
        _fan_revenue_rows(transactions),
        ["creator_id", "fan_id", "hour", "revenue_cents"],
    )
    _insert_from(
        FanHourlySubscription,
        _fan_subscription_rows(transactions),
        ["creator_id", "fan_id", "hour", "subscriptions"],
        linked=True,
    )
    _insert_from(
        FanMonthlyPaid, _fan_paid_rows(transactions), ["creator_id", "fan_id", "month", "paid_cents"]
    )
    _insert_from(
        HourlyMessaging,
        _messaging_rows(messages),
        ["creator_id", "hour", "outgoing", "outgoing_ai", "responses", "response_seconds"],
    )
    _insert_from(
        FanHourlyActivity,
        _fan_activity_rows(messages),
        ["creator_id", "fan_id", "hour", "incoming"],
        linked=True,
    )
