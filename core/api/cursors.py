"""The seed-000 lists' pagination: `limit`, `ordering` and a signed `cursor` over core.keyset.

The cursor is the last row's sort key with the ordering's name and the model's label, signed so
a client cannot forge one that the database would choke on, nor replay a fans cursor on another
list. A bad one is a 400, unlike on the HTML pages.
"""

from datetime import datetime
from functools import partial

from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from core import keyset
from core.exceptions import InvalidInput
from core.keyset import Key, Ordering

DEFAULT_LIMIT = 1000
MAX_LIMIT = 1000
CURSOR_SALT = "crm.api.cursor"


def sort_by(name: str, *, nullable: bool = False) -> Ordering:
    """The ordering a client names: "-field" or "field", ties broken by id the same way."""
    field, descending = name.removeprefix("-"), name.startswith("-")
    keys = (Key(field, descending, nullable),)
    if field != "id":
        keys += (Key("id", descending),)
    return Ordering(keys, name=name)


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
    values = [_encode(v) for v in ordering.values_of(row)]
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
            None if v is None else model._meta.get_field(key.field).to_python(v)
            for key, v in zip(ordering.keys, values, strict=True)
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
    after = decode_cursor(cursor, ordering, queryset.model) if cursor else None
    page = keyset.paginate(queryset, ordering, size=limit, after=after, encode=partial(encode_cursor, ordering))
    return page.rows, page.next_cursor
