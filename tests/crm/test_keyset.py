"""core.keyset, the pagination core both surfaces use: conditions, order, and paging both ways."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.keyset import Key, Ordering, paginate
from crm.models import Fan
from tests.factories import FanFactory

BY_VALUE = Ordering((Key("value_cents"), Key("id")))
BY_ACTIVITY = Ordering((Key("last_seen_at", nullable=True), Key("id")))
BY_ACTIVITY_ASC = Ordering((Key("last_seen_at", descending=False, nullable=True), Key("id", descending=False)))


def pk(row) -> str:
    return str(row.pk)


@pytest.mark.once
def test_after_has_a_seekable_leading_bound():
    # Without the redundant `value_cents <= 500` the database scans the index from its start.
    assert BY_VALUE.after([500, 42]) == (Q(value_cents__lt=500) | (Q(value_cents=500) & Q(id__lt=42))) & Q(
        value_cents__lte=500
    )


@pytest.mark.once
def test_before_has_the_leading_bound_the_other_way():
    assert BY_VALUE.after([500, 42], backwards=True) == (
        Q(value_cents__gt=500) | (Q(value_cents=500) & Q(id__gt=42))
    ) & Q(value_cents__gte=500)


@pytest.mark.once
def test_a_single_key_needs_no_bound():
    assert Ordering((Key("id"),)).after([7]) == Q(id__lt=7)
    assert Ordering((Key("id"),)).after([7], backwards=True) == Q(id__gt=7)


@pytest.mark.once
def test_nulls_sort_last_forwards():
    # After a non-null value: smaller values, then every null; no bound (it would have to admit nulls).
    assert BY_ACTIVITY.after(["2025-01-01", 3]) == (
        Q(last_seen_at__lt="2025-01-01") | Q(last_seen_at__isnull=True)
    ) | (Q(last_seen_at="2025-01-01") & Q(id__lt=3))
    # After a null: only later ids among the nulls.
    assert BY_ACTIVITY.after([None, 3]) == Q(last_seen_at__isnull=True) & Q(id__lt=3)


@pytest.mark.once
def test_nulls_sort_last_backwards():
    # Before a non-null value: never a null, so the leading bound is valid on a nullable column.
    assert BY_ACTIVITY.after(["2025-01-01", 3], backwards=True) == (
        Q(last_seen_at__gt="2025-01-01") | (Q(last_seen_at="2025-01-01") & Q(id__gt=3))
    ) & Q(last_seen_at__gte="2025-01-01")
    # Before a null: every non-null, then earlier ids among the nulls.
    assert BY_ACTIVITY.after([None, 3], backwards=True) == Q(last_seen_at__isnull=False) | (
        Q(last_seen_at__isnull=True) & Q(id__gt=3)
    )


@pytest.mark.once
def test_order_by_keeps_nulls_last_reading_forwards_and_first_reading_backwards():
    forwards, backwards = BY_ACTIVITY.order_by(), BY_ACTIVITY.order_by(reverse=True)
    assert forwards[0].descending and forwards[0].nulls_last and forwards[1] == "-id"
    assert not backwards[0].descending and backwards[0].nulls_first and backwards[1] == "id"


def test_leading_bound_is_in_the_sql(creator):
    query = str(Fan.objects.filter(BY_VALUE.after([500, 42])).query)
    assert re.search(r'"value_cents" <= 500\b', query)
    with CaptureQueriesContext(connection) as captured:
        paginate(Fan.objects.all(), BY_VALUE, size=2, before=[500, 42], encode=pk)
    assert re.search(r'"value_cents" >= 500\b', captured[0]["sql"])


def walk(queryset, ordering, size):
    """Every page forwards, then every page backwards from the last one."""
    page = paginate(queryset, ordering, size=size, encode=pk)
    assert page.prev_cursor is None
    forwards = [page]
    while page.next_cursor:
        after = ordering.values_of(queryset.get(pk=page.next_cursor))
        page = paginate(queryset, ordering, size=size, after=after, encode=pk)
        forwards.append(page)
    backwards = [page]
    while page.prev_cursor:
        before = ordering.values_of(queryset.get(pk=page.prev_cursor))
        page = paginate(queryset, ordering, size=size, before=before, encode=pk)
        backwards.append(page)
    return [[f.pk for f in p.rows] for p in forwards], [[f.pk for f in p.rows] for p in reversed(backwards)]


@pytest.fixture
def fans(creator):
    now = timezone.now()
    values = [(300, now), (100, None), (300, now), (200, now - timedelta(days=1)), (100, None), (300, None), (50, now)]
    return [FanFactory(creator=creator, value_cents=v, last_seen_at=seen) for v, seen in values]


def chunks(items, size):
    return [items[i : i + size] for i in range(0, len(items), size)]


@pytest.mark.parametrize("size", [1, 2, 3, 7, 10])
def test_ties_are_broken_by_id_forwards_and_backwards(fans, size):
    expected = [f.pk for f in sorted(fans, key=lambda f: (-f.value_cents, -f.pk))]
    forwards, backwards = walk(Fan.objects.all(), BY_VALUE, size)
    assert forwards == chunks(expected, size)
    # Backwards from the last page: the same rows, though page edges may fall elsewhere.
    assert sum(backwards, []) == expected
    assert all(0 < len(p) <= size for p in backwards)


@pytest.mark.parametrize("ordering", [BY_ACTIVITY, BY_ACTIVITY_ASC], ids=["desc", "asc"])
@pytest.mark.parametrize("size", [1, 2, 4])
def test_nulls_are_last_in_both_directions(fans, ordering, size):
    sign = -1 if ordering.keys[0].descending else 1
    seen = [f for f in fans if f.last_seen_at is not None]
    never = [f for f in fans if f.last_seen_at is None]
    expected = [f.pk for f in sorted(seen, key=lambda f: (sign * f.last_seen_at.timestamp(), sign * f.pk))]
    expected += [f.pk for f in sorted(never, key=lambda f: sign * f.pk)]
    forwards, backwards = walk(Fan.objects.all(), ordering, size)
    assert forwards == chunks(expected, size)
    assert sum(backwards, []) == expected


def test_a_page_is_one_query_whatever_its_size(fans, django_assert_num_queries):
    for size in (1, 100):
        with django_assert_num_queries(1):
            paginate(Fan.objects.all(), BY_VALUE, size=size, after=[300, fans[2].pk], encode=pk)
        with django_assert_num_queries(1):
            paginate(Fan.objects.all(), BY_ACTIVITY, size=size, before=[None, fans[4].pk], encode=pk)


def test_the_first_page_has_no_previous_and_the_last_no_next(fans):
    page = paginate(Fan.objects.all(), BY_VALUE, size=len(fans), encode=pk)
    assert (page.next_cursor, page.prev_cursor) == (None, None)
    page = paginate(Fan.objects.all(), BY_VALUE, size=2, encode=pk)
    assert page.next_cursor == pk(page.rows[-1]) and page.prev_cursor is None
