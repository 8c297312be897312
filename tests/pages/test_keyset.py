from datetime import timedelta

import pytest
from django.utils import timezone

from core.keyset import Key, Ordering
from core.page_cursors import decode_cursor, encode_cursor, paginate
from crm.models import Fan
from tests.factories import FanFactory

pytestmark = pytest.mark.django_db

ACTIVITY = Ordering((Key("last_seen_at", nullable=True), Key("id")))


def walk(queryset, ordering, size):
    """All pages forwards, then all pages backwards from the last one."""
    page = paginate(queryset, ordering, size=size)
    pages = [page]
    while page.next_cursor:
        page = paginate(queryset, ordering, size=size, after=page.next_cursor)
        pages.append(page)
    forwards = [[f.pk for f in p.rows] for p in pages]
    backwards = [[f.pk for f in page.rows]]
    while page.prev_cursor:
        page = paginate(queryset, ordering, size=size, before=page.prev_cursor)
        backwards.append([f.pk for f in page.rows])
    return forwards, backwards[::-1]


@pytest.mark.parametrize("size", [1, 2, 3, 7])
def test_nullable_key_pages_forwards_and_backwards_through_ties_and_nulls(creator, size):
    now = timezone.now()
    same = now - timedelta(hours=1)
    fans = [
        FanFactory(creator=creator, last_seen_at=same),
        FanFactory(creator=creator, last_seen_at=same),
        FanFactory(creator=creator, last_seen_at=now),
        FanFactory(creator=creator, last_seen_at=None),
        FanFactory(creator=creator, last_seen_at=None),
        FanFactory(creator=creator, last_seen_at=now - timedelta(days=2)),
    ]
    expected = [fans[2].pk, fans[1].pk, fans[0].pk, fans[5].pk, fans[4].pk, fans[3].pk]
    queryset = Fan.objects.filter(creator=creator)
    forwards, backwards = walk(queryset, ACTIVITY, size)
    assert [pk for chunk in forwards for pk in chunk] == expected
    assert backwards == forwards
    assert all(len(chunk) == size for chunk in forwards[:-1])


def test_cursor_round_trip_keeps_microseconds(creator):
    fan = FanFactory(creator=creator, last_seen_at=timezone.now().replace(microsecond=123456))
    values = decode_cursor(ACTIVITY, encode_cursor(ACTIVITY, fan))
    assert values == [fan.last_seen_at, fan.pk]


@pytest.mark.parametrize("cursor", ["", "%%%", "bnVsbA", "WzEsMiwzXQ", "WyJ4IiwxXQ", "W251bGwsbnVsbF0", "W3siZHQiOiJ4In0sMV0"])
def test_foreign_cursors_are_ignored(cursor):
    assert decode_cursor(ACTIVITY, cursor) is None
