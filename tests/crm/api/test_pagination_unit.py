"""core.api.cursors without HTTP: orderings and limits (the keyset core: tests/crm/test_keyset.py)."""

import pytest

from core.api.cursors import parse_limit, sort_by
from core.exceptions import InvalidInput
from core.keyset import Key, Ordering

pytestmark = pytest.mark.once


def test_orderings_are_named_by_the_client_and_break_ties_by_id_the_same_way():
    assert sort_by("-value_cents") == Ordering((Key("value_cents", True), Key("id", True)), name="-value_cents")
    assert sort_by("last_message_at", nullable=True) == Ordering(
        (Key("last_message_at", False, nullable=True), Key("id", False)), name="last_message_at"
    )
    assert sort_by("id") == Ordering((Key("id", False),), name="id")


@pytest.mark.parametrize("raw,expected", [(None, 1000), ("", 1000), ("1", 1), ("100", 100), ("1000", 1000), ("99999", 1000)])
def test_limits(raw, expected):
    assert parse_limit(raw) == expected


@pytest.mark.parametrize("raw", ["0", "-3", "x", "1.0", "²"])
def test_invalid_limits(raw):
    with pytest.raises(InvalidInput, match="Invalid limit"):
        parse_limit(raw)
