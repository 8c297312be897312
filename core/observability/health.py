"""Readiness: can this process serve? The database, the cache, the file store and Redis (when
configured), each checked with a short timeout, all at once, the answer kept for a moment.

Each check runs on a daemon thread of its own (one per check and process, started on first use),
so a dependency that hangs holds that thread and nothing else: the request waits at most
CHECK_TIMEOUT_SECONDS for all of them together and names what did not answer in time. A check
whose previous run is still hanging is not started again (no pile of stuck threads); it stays
failed until that run returns.
"""

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import redis
from django.conf import settings
from django.core.cache import caches
from django.core.files.storage import FileSystemStorage, storages
from django.db import connections

logger = logging.getLogger(__name__)

CHECK_TIMEOUT_SECONDS = 1.0
CACHE_SECONDS = 2.0
PROBE_NAME = "readyz-probe"
OK, ERROR, TIMEOUT = "ok", "error", "timeout"


def check_database() -> None:
    connection = connections["default"]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()  # a probe thread keeps no connection (or pool slot) between runs


def check_cache() -> None:
    cache = caches["default"]
    try:
        key, value = f"{PROBE_NAME}:{os.getpid()}", str(time.monotonic_ns())
        cache.set(key, value, timeout=10)
        if cache.get(key) != value:
            raise RuntimeError("the cache did not return what was stored")
    finally:
        cache.close()


def check_storage() -> None:
    storage = storages["default"]
    if isinstance(storage, FileSystemStorage):
        # The folder is created on the first upload: it, or the nearest folder above it, must be writable.
        path = Path(storage.location)
        while not path.exists() and path != path.parent:
            path = path.parent
        if not (path.is_dir() and os.access(path, os.W_OK | os.X_OK)):
            raise PermissionError("the media folder is not writable")
    else:
        storage.exists(PROBE_NAME)  # S3: a HEAD request, answered 404 when all is well


def check_redis() -> None:
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_timeout=CHECK_TIMEOUT_SECONDS, socket_connect_timeout=CHECK_TIMEOUT_SECONDS
    )
    try:
        client.ping()
    finally:
        client.close()


@dataclass(frozen=True)
class Check:
    name: str
    run: Callable[[], None]  # raises when the dependency is not usable


def configured_checks() -> list[Check]:
    checks = [Check("database", check_database), Check("cache", check_cache), Check("storage", check_storage)]
    if settings.REDIS_URL:
        checks.append(Check("redis", check_redis))
    return checks


class Prober:
    """One daemon thread that runs one check when asked; concurrent askers share its run."""

    def __init__(self, check: Check):
        self.check = check
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._done = threading.Event()
        self._running = False
        self._result = ERROR
        threading.Thread(target=self._loop, name=f"readyz-{check.name}", daemon=True).start()

    def start(self) -> None:
        with self._lock:
            if not self._running:
                self._running = True
                self._done.clear()
                self._wake.set()

    def result(self, timeout: float) -> str:
        return self._result if self._done.wait(max(0.0, timeout)) else TIMEOUT

    def _loop(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            try:
                self.check.run()
                result = OK
            except Exception as exc:
                logger.warning("Readiness check %s failed: %s: %s", self.check.name, type(exc).__name__, str(exc)[:200])
                result = ERROR
            with self._lock:
                self._result = result
                self._running = False
                self._done.set()


_lock = threading.Lock()
_probers: dict[tuple, Prober] = {}
_pid = None
_cached: tuple[float, dict, bool] | None = None


def _prober(check: Check) -> Prober:
    global _pid
    with _lock:
        if _pid != os.getpid():  # a forked worker inherits no threads
            _probers.clear()
            _pid = os.getpid()
        key = (check.name, check.run)
        if key not in _probers:
            _probers[key] = Prober(check)
        return _probers[key]


def readiness() -> tuple[dict, bool]:
    """({"status": ..., "checks": {name: ok|error|timeout}[, "failed": [...]]}, ready), at most
    CACHE_SECONDS old; within CHECK_TIMEOUT_SECONDS even when a dependency hangs."""
    global _cached
    cached = _cached
    if cached is not None and time.monotonic() < cached[0]:
        return cached[1], cached[2]
    checks = configured_checks()
    probers = [_prober(check) for check in checks]
    for prober in probers:
        prober.start()
    deadline = time.monotonic() + CHECK_TIMEOUT_SECONDS
    results = {check.name: prober.result(deadline - time.monotonic()) for check, prober in zip(checks, probers, strict=True)}
    failed = [name for name, result in results.items() if result != OK]
    payload = {"status": "unavailable" if failed else "ok", "checks": results}
    if failed:
        payload["failed"] = failed
    _cached = (time.monotonic() + CACHE_SECONDS, payload, not failed)
    return payload, not failed


def forget() -> None:
    """Drop the kept answer (tests, and a settings change)."""
    global _cached
    _cached = None
