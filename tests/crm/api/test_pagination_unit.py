"""crm.api.pagination without HTTP: the keyset condition and limits."""

import pytest
from django.db.models import Q

from crm.api.pagination import Ordering, parse_limit
from crm.exceptions import InvalidInput

pytestmark = pytest.mark.once

BY_VALUE = Ordering("-value_cents", (("value_cents", True), ("id", True)))
BY_LAST_MESSAGE = Ordering("last_message_at", (("last_message_at", False), ("id", False)), frozenset({"last_message_at"}))


def test_keyset_condition_has_a_seekable_leading_bound():
    condition = BY_VALUE.after([500, 42])
    expected_or = Q(value_cents__lt=500) | (Q(value_cents=500) & Q(id__lt=42))
    # Without the redundant `value_cents <= 500` the database scans the index from its start.
    assert condition == expected_or & Q(value_cents__lte=500)


def test_nulls_sort_last():
    # After a non-null value: larger values, then every null.
    assert BY_LAST_MESSAGE.after(["2025-01-01", 3]) == (
        Q(last_message_at__gt="2025-01-01") | Q(last_message_at__isnull=True)
    ) | (Q(last_message_at="2025-01-01") & Q(id__gt=3))
    # After a null: only later ids among the nulls.
    assert BY_LAST_MESSAGE.after([None, 3]) == Q(last_message_at__isnull=True) & Q(id__gt=3)


@pytest.mark.parametrize("raw,expected", [(None, 1000), ("", 1000), ("1", 1), ("100", 100), ("1000", 1000), ("99999", 1000)])
def test_limits(raw, expected):
    assert parse_limit(raw) == expected


@pytest.mark.parametrize("raw", ["0", "-3", "x", "1.0", "²"])
def test_invalid_limits(raw):
    with pytest.raises(InvalidInput, match="Invalid limit"):
        parse_limit(raw)
