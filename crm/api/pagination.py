"""Keyset (cursor) pagination for the seed-000 lists.

A page is `WHERE (sort key) after (last row's sort key) ORDER BY sort key LIMIT n + 1`, so its
cost does not depend on how deep it is (an OFFSET would scan every skipped row). The cursor is
the last row's sort key and the ordering's name, signed so a client cannot forge one that the
database would choke on; every ordering ends with the primary key, which makes keys unique.
"""

import operator
from dataclasses import dataclass
from datetime import datetime
from functools import reduce

from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import F, Q, QuerySet

from crm.exceptions import InvalidInput

DEFAULT_LIMIT = 1000
MAX_LIMIT = 1000
CURSOR_SALT = "crm.api.cursor"


@dataclass(frozen=True)
class Ordering:
    """A named sort key: (field, descending) pairs ending with ("id", ...). Nulls sort last."""

    name: str
    keys: tuple[tuple[str, bool], ...]
    nullable: frozenset[str] = frozenset()

    def order_by(self) -> list:
        return [
            (F(field).desc(nulls_last=True) if desc else F(field).asc(nulls_last=True))
            if field in self.nullable
            else (f"-{field}" if desc else field)
            for field, desc in self.keys
        ]

    def after(self, values: list) -> Q:
        """Rows that sort strictly after the row whose key is `values`."""
        parts = []
        equal_so_far = Q()
        for (field, desc), value in zip(self.keys, values, strict=True):
            if value is None:
                # Nulls are last: nothing is after a null in this column except by later keys.
                equal_so_far &= Q(**{f"{field}__isnull": True})
                continue
            beyond = Q(**{f"{field}__{'lt' if desc else 'gt'}": value})
            if field in self.nullable:
                beyond |= Q(**{f"{field}__isnull": True})
            parts.append(equal_so_far & beyond)
            equal_so_far &= Q(**{field: value})
        if not parts:
            return Q(pk__in=[])
        condition = reduce(operator.or_, parts)
        first_field, first_desc = self.keys[0]
        if values[0] is not None and first_field not in self.nullable and len(self.keys) > 1:
            # A redundant bound on the leading column: the OR alone makes SQLite (and sometimes
            # PostgreSQL) scan the index from its start, so deep pages would cost more.
            condition &= Q(**{f"{first_field}__{'lte' if first_desc else 'gte'}": values[0]})
        return condition


def orderings(*items: Ordering) -> dict[str, Ordering]:
    return {o.name: o for o in items}


def parse_limit(raw) -> int:
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    if not (isinstance(raw, str) and raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise InvalidInput("Invalid limit", field="limit")
    # Larger requests are served the maximum; next_cursor says there is more.
    return min(int(raw), MAX_LIMIT)


def _encode(value):
    return value.isoformat() if isinstance(value, datetime) else value


def encode_cursor(ordering: Ordering, row) -> str:
    values = [_encode(getattr(row, field)) for field, _desc in ordering.keys]
    # The model's label binds the cursor to its list: a fans cursor is no transactions cursor.
    payload = {"m": row._meta.label_lower, "o": ordering.name, "k": values}
    return signing.dumps(payload, salt=CURSOR_SALT, compress=True)


def decode_cursor(raw: str, ordering: Ordering, model) -> list:
    invalid = InvalidInput("Invalid cursor", field="cursor")
    try:
        payload = signing.loads(raw, salt=CURSOR_SALT)
    except (signing.BadSignature, ValueError):
        raise invalid
    if not isinstance(payload, dict) or payload.get("o") != ordering.name:
        raise invalid
    if payload.get("m") != model._meta.label_lower:
        raise invalid
    values = payload.get("k")
    if not isinstance(values, list) or len(values) != len(ordering.keys):
        raise invalid
    try:
        return [
            None if v is None else model._meta.get_field(field).to_python(v)
            for (field, _desc), v in zip(ordering.keys, values, strict=True)
        ]
    except ValidationError:
        raise invalid


def select_ordering(params, available: dict[str, Ordering], default: str) -> Ordering:
    """The `ordering` query parameter, or the one the cursor was issued for, or the default."""
    name = params.get("ordering")
    cursor = params.get("cursor")
    if not name and cursor:
        try:
            name = signing.loads(cursor, salt=CURSOR_SALT).get("o")
        except (signing.BadSignature, ValueError, AttributeError):
            raise InvalidInput("Invalid cursor", field="cursor")
    name = name or default
    if not isinstance(name, str) or name not in available:
        raise InvalidInput("Invalid ordering", field="ordering")
    return available[name]


def paginate(queryset: QuerySet, params, available: dict[str, Ordering], default: str):
    """(rows of this page, next_cursor or None) for the request's query parameters."""
    limit = parse_limit(params.get("limit"))
    ordering = select_ordering(params, available, default)
    cursor = params.get("cursor")
    if cursor:
        queryset = queryset.filter(ordering.after(decode_cursor(cursor, ordering, queryset.model)))
    rows = list(queryset.order_by(*ordering.order_by())[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(ordering, rows[-1])
