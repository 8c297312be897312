"""Keyset (cursor) pagination, the one core behind the API lists and the HTML pages.

A page is `WHERE (sort key) after (edge row's sort key) ORDER BY sort key LIMIT n + 1`, so its
cost does not depend on how deep it is (an OFFSET would scan every skipped row). An ordering is a
tuple of keys ending with the primary key, which makes every sort key unique. The previous page
is every row strictly before the first one, read in reverse and flipped back. Nullable keys sort
last in either direction ("never active" fans come after active ones).

How a cursor is written is the surface's business (the API signs it, the pages tolerate a bad
one as page 1): this module takes and gives the sort values and leaves encoding to a callable.
"""

import operator
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce

from django.db.models import F, Q, QuerySet

_NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class Key:
    field: str
    descending: bool = True
    nullable: bool = False


@dataclass(frozen=True)
class Ordering:
    keys: tuple[Key, ...]
    name: str = ""

    def order_by(self, *, reverse: bool = False) -> list:
        expressions = []
        for key in self.keys:
            descending = key.descending != reverse
            if key.nullable:
                # Nulls stay last when reading forwards, so they come first when reading backwards.
                nulls = {"nulls_first": True} if reverse else {"nulls_last": True}
                expressions.append(F(key.field).desc(**nulls) if descending else F(key.field).asc(**nulls))
            else:
                expressions.append(f"-{key.field}" if descending else key.field)
        return expressions

    def values_of(self, row) -> list:
        """The row's sort key (fields may follow relations with `__`)."""
        return [_value_of(row, key.field) for key in self.keys]

    def after(self, values: list, *, backwards: bool = False) -> Q:
        """Rows strictly after the row whose sort key is `values` (strictly before if backwards)."""
        parts = []
        equal_so_far = Q()
        for key, value in zip(self.keys, values, strict=True):
            beyond = _beyond(key, value, backwards=backwards)
            if beyond is not None:
                parts.append(equal_so_far & beyond)
            equal_so_far &= Q(**{f"{key.field}__isnull": True}) if value is None else Q(**{key.field: value})
        if not parts:
            return _NOTHING
        return reduce(operator.or_, parts) & self._leading_bound(values[0], backwards=backwards)

    def _leading_bound(self, value, *, backwards: bool) -> Q:
        """A redundant bound on the leading column, so the database seeks into its index.

        The OR alone makes SQLite (and sometimes PostgreSQL) scan the index from its start, so deep
        pages would cost more. Forwards it would have to admit nulls on a nullable column (no
        seek), so there it is only added on non-nullable columns; backwards nulls are never
        before a value, so the plain bound is valid either way.
        """
        head = self.keys[0]
        if len(self.keys) == 1 or value is None or (head.nullable and not backwards):
            return Q()
        smaller = head.descending != backwards
        return Q(**{f"{head.field}__{'lte' if smaller else 'gte'}": value})


def _beyond(key: Key, value, *, backwards: bool) -> Q | None:
    """Rows strictly past `value` on this key alone, in reading direction (None: no row is)."""
    if value is None:
        # Nulls are last: nothing is past them forwards; every non-null is before them.
        return Q(**{f"{key.field}__isnull": False}) if backwards and key.nullable else None
    smaller = key.descending != backwards
    condition = Q(**{f"{key.field}__{'lt' if smaller else 'gt'}": value})
    if key.nullable and not backwards:
        condition |= Q(**{f"{key.field}__isnull": True})
    return condition


def _value_of(row, field: str):
    for part in field.split("__"):
        row = getattr(row, part)
    return row


@dataclass
class Page:
    rows: list
    next_cursor: str | None
    prev_cursor: str | None


def paginate(
    queryset: QuerySet,
    ordering: Ordering,
    *,
    size: int,
    encode: Callable[[object], str],
    after: list | None = None,
    before: list | None = None,
) -> Page:
    """One page of `queryset` after the sort key `after`, else before `before`, else the first.

    One query; `encode(row)` turns an edge row into the cursor of the next or previous page.
    """
    backwards = after is None and before is not None
    values = before if backwards else after
    if values is not None:
        queryset = queryset.filter(ordering.after(values, backwards=backwards))
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
        next_cursor=encode(rows[-1]) if rows and has_next else None,
        prev_cursor=encode(rows[0]) if rows and has_prev else None,
    )
