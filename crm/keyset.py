"""Keyset pagination for the HTML list pages: next/previous cursors, never OFFSET.

An ordering is a tuple of keys ending with the primary key, e.g. (value_cents desc, id desc). A
cursor carries the sort values of the row at the edge of a page; the next page is every row
strictly after it in the ordering, the previous page every row strictly before it (read in
reverse, then flipped back). Nullable keys sort last in either direction, so "never active"
fans come after active ones.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, Q, QuerySet
from django.utils.dateparse import parse_datetime

_NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class Key:
    field: str
    descending: bool = True
    nullable: bool = False


@dataclass(frozen=True)
class Ordering:
    keys: tuple[Key, ...]

    def order_by(self, *, reverse: bool = False) -> list:
        expressions = []
        for key in self.keys:
            descending = key.descending != reverse
            # Nulls stay last when reading forwards, so they come first when reading backwards.
            nulls = {"nulls_last": True} if not reverse else {"nulls_first": True}
            if not key.nullable:
                nulls = {}
            expressions.append(F(key.field).desc(**nulls) if descending else F(key.field).asc(**nulls))
        return expressions


def _beyond(key: Key, value, *, backwards: bool) -> Q:
    """Rows strictly past `value` on this key, in reading direction."""
    past_is_smaller = key.descending != backwards
    if value is None:
        # Nulls are last: nothing is past them forwards; everything non-null is before them.
        return Q(**{f"{key.field}__isnull": False}) if backwards and key.nullable else _NOTHING
    condition = Q(**{f"{key.field}__{'lt' if past_is_smaller else 'gt'}": value})
    if key.nullable and not backwards:
        condition |= Q(**{f"{key.field}__isnull": True})
    return condition


def _equal(key: Key, value) -> Q:
    return Q(**{f"{key.field}__isnull": True}) if value is None else Q(**{key.field: value})


def _after(keys: tuple[Key, ...], values: list, *, backwards: bool) -> Q:
    head, *rest = keys
    condition = _beyond(head, values[0], backwards=backwards)
    if rest:
        condition |= _equal(head, values[0]) & _after(tuple(rest), values[1:], backwards=backwards)
    return condition


def _encode_value(value):
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    return value


def _decode_value(value):
    if isinstance(value, dict):
        parsed = parse_datetime(str(value.get("dt", "")))
        if parsed is None:
            raise ValueError("bad datetime in cursor")
        return parsed
    if value is None or isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ValueError("bad value in cursor")


def encode_cursor(ordering: Ordering, row) -> str:
    values = [_encode_value(_value_of(row, key.field)) for key in ordering.keys]
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")


def _value_of(row, field: str):
    for part in field.split("__"):
        row = getattr(row, part)
    return row


def decode_cursor(ordering: Ordering, cursor: str) -> list | None:
    """The cursor's values, or None for a cursor that is not one of ours (treated as page 1)."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != len(ordering.keys):
            return None
        values = [_decode_value(v) for v in values]
    except (binascii.Error, ValueError, UnicodeDecodeError, TypeError):
        return None
    if values[-1] is None:
        return None
    return values


@dataclass
class Page:
    rows: list
    next_cursor: str | None
    prev_cursor: str | None


def paginate(queryset: QuerySet, ordering: Ordering, *, size: int, after: str = "", before: str = "") -> Page:
    """One page of `queryset` in `ordering`, after or before a cursor (one query)."""
    backwards = False
    values = decode_cursor(ordering, after)
    if values is None and before:
        values = decode_cursor(ordering, before)
        backwards = values is not None
    if values is not None:
        queryset = queryset.filter(_after(ordering.keys, values, backwards=backwards))
    rows = list(queryset.order_by(*ordering.order_by(reverse=backwards))[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
        has_next, has_prev = True, has_more
    else:
        has_next, has_prev = has_more, values is not None
    return Page(
        rows=rows,
        next_cursor=encode_cursor(ordering, rows[-1]) if rows and has_next else None,
        prev_cursor=encode_cursor(ordering, rows[0]) if rows and has_prev else None,
    )
