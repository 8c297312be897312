"""Waking the watchers of a stream when its feed moves, in every process that holds watchers.

The feed table is the truth; a wake-up only says "read again". Three ways, chosen by
LIVE_WAKEUP (`auto`: PostgreSQL when it is the database, else Redis when REDIS_URL is set, else
the poll):

- **postgres**: `pg_notify` inside the publishing transaction (PostgreSQL delivers it at commit
  and drops it on rollback); each live process holds one `LISTEN` connection (psycopg 3 async).
- **redis**: a `PUBLISH` after commit; each live process holds one subscription.
- **poll**: each live process reads the feed's new ids every LIVE_POLL_SECONDS, one query for
  all its watchers (the embedded SQLite default: no other service).

A lost wake-up (a restarting Redis, a dropped LISTEN connection) delays, never loses: every
watcher reads again at least every LIVE_HEARTBEAT_SECONDS, and a reconnecting hub wakes all.
"""

import asyncio
import logging
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection, connections, transaction

logger = logging.getLogger(__name__)

CHANNEL = "crm_live"
# The first key of the feed's advisory locks (crm_live in ASCII): apart from any other user.
LOCK_NAMESPACE = 0x4C495645


def backend_name() -> str:
    chosen = getattr(settings, "LIVE_WAKEUP", "auto")
    if chosen != "auto":
        return chosen
    if connections["default"].vendor == "postgresql":
        return "postgres"
    return "redis" if getattr(settings, "REDIS_URL", "") else "poll"


# --- The publishing side (sync, inside feed.publish's transaction) -----------------------------

_redis_client = None


def _redis():
    global _redis_client
    if _redis_client is None:
        import redis

        _redis_client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    return _redis_client


def _redis_publish(stream: str) -> None:
    try:
        _redis().publish(CHANNEL, stream)
    except Exception:
        # The change is committed; watchers read it at their next heartbeat.
        logger.warning("Live wake-up not published to Redis", exc_info=True)


def announce(stream: str) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, stream])
    if backend_name() == "redis":
        transaction.on_commit(lambda: _redis_publish(stream))


# --- The watching side (async, in the live process) -----------------------------------------


def _run_sync(fn, *args):
    # The pool's threads keep their connection for the worker's life (a few, however many
    # streams); one that failed is replaced before the next read.
    conn = connections["default"]
    if conn.connection is not None and conn.errors_occurred and not conn.is_usable():
        conn.close()
    return fn(*args)


def _close_thread_connection():
    connections.close_all()


def _new_executor() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=settings.LIVE_DB_THREADS, thread_name_prefix="live-db")


_executor: ThreadPoolExecutor | None = None


def executor() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = _new_executor()
    return _executor


def executor_shutdown() -> None:
    """Close the pool's database connections and its threads (tests; a worker's exit)."""
    global _executor
    pool, _executor = _executor, None
    if pool is not None:
        for _ in range(settings.LIVE_DB_THREADS * 2):
            pool.submit(_close_thread_connection)
        pool.shutdown(wait=True)


async def db(fn, *args):
    """Run a sync ORM function on the live pool: however many streams are open, a live worker
    holds at most LIVE_DB_THREADS database connections."""
    return await sync_to_async(_run_sync, thread_sensitive=False, executor=executor())(fn, *args)


def _new_ids_since(last: int) -> tuple[int, set[str]]:
    from .models import FeedEvent

    rows = list(FeedEvent.objects.filter(id__gt=last).order_by("id").values_list("id", "stream")[:5000])
    if not rows:
        return last, set()
    return rows[-1][0], {stream for _id, stream in rows}


def _latest_id() -> int:
    from django.db.models import Max

    from .models import FeedEvent

    return FeedEvent.objects.aggregate(last=Max("id"))["last"] or 0


def _listen_params() -> dict:
    params = connections["default"].get_connection_params()
    # Only what psycopg.connect takes as connection options (Django adds adapters and factories).
    return {k: v for k, v in params.items() if isinstance(v, (str, int)) and k != "prepare_threshold"}


class Hub:
    """The watchers of one event loop (one live worker), by stream; one listener task for all."""

    def __init__(self):
        self.waiters: dict[str, set[asyncio.Event]] = {}
        self.task: asyncio.Task | None = None
        self.closing = False

    @contextmanager
    def subscribe(self, stream: str):
        event = asyncio.Event()
        self.waiters.setdefault(stream, set()).add(event)
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._run())
        try:
            yield event
        finally:
            waiting = self.waiters.get(stream, set())
            waiting.discard(event)
            if not waiting:
                self.waiters.pop(stream, None)

    def wake(self, stream: str) -> None:
        for event in self.waiters.get(stream, ()):
            event.set()

    def wake_all(self) -> None:
        for events in self.waiters.values():
            for event in events:
                event.set()

    async def _run(self) -> None:
        backend = await db(backend_name)
        while self.waiters:
            try:
                if backend == "postgres":
                    await self._listen_postgres()
                elif backend == "redis":
                    await self._listen_redis()
                else:
                    await self._poll()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("Live wake-up (%s) lost; watchers fall back on their heartbeat", backend, exc_info=True)
                self.wake_all()
                await asyncio.sleep(1)

    async def _poll(self) -> None:
        last = await db(_latest_id)
        self.wake_all()  # anything committed before this hub started
        while self.waiters:
            await asyncio.sleep(settings.LIVE_POLL_SECONDS)
            last, streams = await db(_new_ids_since, last)
            for stream in streams:
                self.wake(stream)

    async def _listen_postgres(self) -> None:
        import psycopg

        params = await db(_listen_params)
        async with await psycopg.AsyncConnection.connect(**params, autocommit=True) as listener:
            await listener.execute(f"LISTEN {CHANNEL}")
            self.wake_all()  # anything committed before LISTEN took effect
            while self.waiters:
                async for notify in listener.notifies(timeout=1.0):
                    self.wake(notify.payload)

    async def _listen_redis(self) -> None:
        import redis.asyncio as aioredis

        client = aioredis.from_url(settings.REDIS_URL, socket_connect_timeout=2)
        try:
            async with client.pubsub() as pubsub:
                await pubsub.subscribe(CHANNEL)
                self.wake_all()
                while self.waiters:
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                    if message is not None:
                        self.wake(message["data"].decode())
        finally:
            await client.aclose()


_hubs: dict[asyncio.AbstractEventLoop, Hub] = {}


def _close(current: Hub) -> None:
    current.closing = True
    current.wake_all()


def close_streams() -> None:
    """The worker is stopping: every stream of this loop ends now, so its browser reconnects to
    a worker that stays instead of holding the shutdown until the graceful timeout cuts it."""
    _close(hub())


_previous_term_handler = None
_term_handler_installed = False


def _on_term(signum, frame):
    for loop, current in list(_hubs.items()):
        if not loop.is_closed():
            loop.call_soon_threadsafe(_close, current)
    if callable(_previous_term_handler):
        _previous_term_handler(signum, frame)


def install_stop_handler() -> None:
    """Called at the ASGI lifespan startup (config.asgi), on the server's loop."""
    _chain_term_handler()


def _chain_term_handler() -> None:
    """gunicorn's ASGI worker (and uvicorn) wait on SIGTERM for open connections to finish, and
    send the lifespan shutdown only after; streams never finish by themselves. So the first
    worker (lifespan startup, or its first stream) puts this handler before the server's own:
    streams end, then the server goes on with its graceful stop. (Only the main thread may set handlers: tests run loops in
    others, and there is nothing to chain there.)"""
    global _previous_term_handler, _term_handler_installed
    if _term_handler_installed or threading.current_thread() is not threading.main_thread():
        return
    _term_handler_installed = True
    _previous_term_handler = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, _on_term)


def hub() -> Hub:
    """This event loop's hub (a live worker has one loop; tests may run several)."""
    loop = asyncio.get_running_loop()
    for other in [k for k in _hubs if k.is_closed()]:
        _hubs.pop(other, None)
    if loop not in _hubs:
        _chain_term_handler()
    return _hubs.setdefault(loop, Hub())
