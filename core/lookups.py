"""Ids from user input, and the one way a scoped queryset yields a row or a 404."""

from .exceptions import NotFound

# Ids and money live in signed 64-bit columns; anything larger cannot be a real value.
MAX_ID = 2**63 - 1


def parse_id(value) -> int | None:
    """A database id from user input, or None when it cannot be one (wrong type, out of range)."""
    if isinstance(value, bool):
        return None
    try:
        number = int(str(value).strip()) if isinstance(value, str) else int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if isinstance(value, float) and value != number:
        return None
    return number if 0 < number <= MAX_ID else None


def owned_get(queryset, row_id, message: str):
    """The row `row_id` of a queryset already limited to the caller's rows, else NotFound(message).

    A malformed id is the same NotFound as a missing one (no query is run for it).
    """
    pk = parse_id(row_id)
    found = queryset.filter(pk=pk).first() if pk else None
    if found is None:
        raise NotFound(message)
    return found
