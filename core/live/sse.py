"""The server-sent-events stream of one feed stream, resumable from `Last-Event-ID`.

Why SSE and not WebSockets: the updates go one way (server to page), the replies and reads
already go through the pages' forms; EventSource reconnects by itself and sends the last id it
saw, which is exactly the resume the feed's cursor gives; it is plain HTTP through the reverse
proxy, the session cookie and Django's async views, with no new dependency (docs/DEPENDENCIES.md).
"""

import asyncio
import json
import random
import time
from collections.abc import AsyncIterator, Callable

from django.conf import settings
from django.http import StreamingHttpResponse

from core.observability.metrics import LIVE_EVENTS_SENT, LIVE_STREAMS

from . import feed, wakeup

# How long EventSource waits before reconnecting after the stream ends or drops.
RETRY_MS = 1000


class BadCursor(ValueError):
    pass


def parse_cursor(value: str | None) -> int | None:
    """A cursor from `Last-Event-ID` or `?after=`: None when absent; BadCursor when not a count."""
    if value is None or value == "":
        return None
    value = value.strip()
    if not value.isdigit() or len(value) > 19:
        raise BadCursor(value)
    return int(value)


def requested_cursor(request) -> int | None:
    """Where a stream resumes: EventSource's `Last-Event-ID` on a reconnect, else the page's
    `?after=` cursor; None when neither is given, BadCursor when one is not a count."""
    after = parse_cursor(request.headers.get("Last-Event-ID"))
    return parse_cursor(request.GET.get("after")) if after is None else after


def frame(event_id: int, kind: str | None = None, data: dict | None = None) -> bytes:
    """One SSE frame. Without data it only moves the browser's last event id past an event this
    watcher may not see (EventSource records the id and dispatches nothing)."""
    lines = [f"id: {event_id}"]
    if data is not None:
        lines += [f"event: {kind}", "data: " + json.dumps(data, separators=(",", ":"))]
    return ("\n".join(lines) + "\n\n").encode()


def _resumable(stream: str, after: int) -> bool:
    """Whether reading after `after` misses nothing: 0 (the stream was empty when the page was
    drawn) or an event of this stream that is still kept. A cursor whose event was pruned may
    have lost what followed it; the page is told to reload instead."""
    from .models import FeedEvent

    return after == 0 or FeedEvent.objects.filter(stream=stream, id=after).exists()


def _read(stream: str, after: int, deliver: Callable) -> tuple[list[tuple[int, str, dict | None]], bool]:
    events = feed.events_after(stream, after)
    return (deliver(events) if events else []), len(events) == feed.READ_LIMIT


async def event_stream(
    *, stream: str, after: int, deliver: Callable, lifetime: float | None = None, heartbeat: float | None = None
) -> AsyncIterator[bytes]:
    """The frames of `stream` after `after`, each event once, in order, until `lifetime` ends
    (EventSource then reconnects with its last id: the session and rights are checked again).

    `deliver(events)` (sync, the domain's) turns feed rows into (id, kind, data) with data None
    for an event this watcher may not see.
    """
    lifetime = settings.LIVE_STREAM_SECONDS if lifetime is None else lifetime
    heartbeat = settings.LIVE_HEARTBEAT_SECONDS if heartbeat is None else heartbeat
    yield f"retry: {RETRY_MS}\n\n".encode()
    if not await wakeup.db(_resumable, stream, after):
        yield b"event: reset\ndata: {}\n\n"
        return
    # Spread over the last fifth: streams opened together (a restart) do not all reconnect together.
    deadline = time.monotonic() + lifetime * random.uniform(0.8, 1.0)  # noqa: S311 - not a secret
    LIVE_STREAMS.labels(event="opened").inc()
    try:
        with (hub := wakeup.hub()).subscribe(stream) as woken:
            while True:
                woken.clear()  # before reading: a commit during the read wakes the next wait
                frames, more = await wakeup.db(_read, stream, after, deliver)
                for event_id, kind, data in frames:
                    yield frame(event_id, kind, data)
                    after = event_id
                    if data is not None:
                        LIVE_EVENTS_SENT.inc()
                if more:
                    continue
                remaining = deadline - time.monotonic()
                if remaining <= 0 or hub.closing:  # its life is over, or the worker's
                    return
                try:
                    await asyncio.wait_for(woken.wait(), timeout=min(heartbeat, remaining))
                except TimeoutError:
                    yield b": keep-alive\n\n"  # also how a dead client is noticed
    finally:
        LIVE_STREAMS.labels(event="ended").inc()


def sse_response(frames: AsyncIterator[bytes]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(frames, content_type="text/event-stream")
    response["Cache-Control"] = "no-store"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each frame on at once
    return response


def same_origin(request) -> bool:
    """Whether the stream is asked for by a page of this site. A browser names the asking page's
    origin (`Origin`, sent by EventSource) and marks cross-site requests (`Sec-Fetch-Site`);
    a cookie-authenticated stream is refused to any other origin."""
    from urllib.parse import urlsplit

    fetch_site = request.META.get("HTTP_SEC_FETCH_SITE")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return False
    origin = request.META.get("HTTP_ORIGIN")
    if origin is None:
        return True
    parts = urlsplit(origin)
    if parts.scheme == request.scheme and parts.netloc == request.get_host():
        return True
    return origin in settings.CSRF_TRUSTED_ORIGINS
