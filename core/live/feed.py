"""Writing and reading the change feed.

Ordering guarantee: a watcher reads `id > cursor` on one stream, so ids of one stream must become
visible in id order, or a watcher could pass an id that commits later and miss it. SQLite has
one writer at a time (IMMEDIATE transactions), so ids commit in order. PostgreSQL hands out
sequence values at insert and commits in any order, so `publish` first takes a transaction-level
advisory lock on the stream: the publishers of one stream queue from their publish to their
commit, and the next id is drawn only once the previous one is visible. Other streams (other
creators) never wait for each other.
"""

import zlib
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from . import wakeup
from .models import FeedEvent

# How many events one read returns; a watcher that is further behind reads again at once.
READ_LIMIT = 200


def _stream_lock_key(stream: str) -> int:
    # Stable across processes (hash() is salted), as a signed 32-bit key (pg_advisory_xact_lock(int, int)).
    return (zlib.crc32(stream.encode()) ^ 0x80000000) - 0x80000000


def publish(stream: str, kind: str, data: dict) -> FeedEvent:
    """Append one event to `stream`, inside the caller's transaction: a change that rolls back
    announces nothing. Watchers are woken when it commits."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [wakeup.LOCK_NAMESPACE, _stream_lock_key(stream)])
        event = FeedEvent.objects.create(stream=stream, kind=kind, data=data)
        wakeup.announce(stream)
    return event


def cursor(stream: str) -> int:
    """The id of the stream's latest event (0 when it has none): where a page's watcher starts."""
    return FeedEvent.objects.filter(stream=stream).aggregate(last=Max("id"))["last"] or 0


def events_after(stream: str, after: int, *, limit: int = READ_LIMIT) -> list[FeedEvent]:
    return list(FeedEvent.objects.filter(stream=stream, id__gt=after).order_by("id")[:limit])


def prune(*, now=None, retention_hours: int | None = None) -> int:
    """Delete events older than the retention; how many.

    The newest event of the whole table stays, whatever its age: SQLite would otherwise hand its
    id out again, and a watcher holding that cursor would skip the new event.
    """
    hours = settings.LIVE_FEED_RETENTION_HOURS if retention_hours is None else retention_hours
    cutoff = (now or timezone.now()) - timedelta(hours=hours)
    newest = FeedEvent.objects.aggregate(last=Max("id"))["last"]
    if newest is None:
        return 0
    deleted, _ = FeedEvent.objects.filter(created_at__lt=cutoff, id__lt=newest).delete()
    return deleted
