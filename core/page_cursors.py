"""Cursors of the HTML list pages: base64 JSON of the edge row's sort key, over core.keyset.

Not signed: a page cursor only ever selects rows of the creator's own queryset. A cursor that is
not one of ours is not an error on a page, just page 1.
"""

import base64
import binascii
import json
from datetime import datetime
from functools import partial

from django.db.models import QuerySet
from django.utils.dateparse import parse_datetime

from . import keyset
from .keyset import Ordering, Page


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
    values = [_encode_value(v) for v in ordering.values_of(row)]
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")


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


def paginate(queryset: QuerySet, ordering: Ordering, *, size: int, after: str = "", before: str = "") -> Page:
    """One page after the `after` cursor, else before the `before` cursor, else page 1."""
    values = decode_cursor(ordering, after)
    before_values = decode_cursor(ordering, before) if values is None else None
    return keyset.paginate(
        queryset, ordering, size=size, after=values, before=before_values, encode=partial(encode_cursor, ordering)
    )
