"""Take turns at SQLite's single write lock without polling.

SQLite admits one writer. A connection that finds the database locked polls with growing sleeps
(up to 100 ms each) and keeps losing to a busy writer, which is what stretched the intake's
latency tail while a worker processed events. Writers of the event store (intake and event
processing) first take an advisory file lock next to the database: the kernel wakes the next
waiter the moment it is released. PostgreSQL (row locks) skips all this.
"""

import fcntl
import os
import threading
from contextlib import contextmanager

from django.db import transaction

_held = threading.local()


@contextmanager
def write_turn():
    connection = transaction.get_connection()
    if connection.vendor != "sqlite" or connection.is_in_memory_db() or getattr(_held, "turn", False):
        # Not a SQLite file, or this thread already holds the turn (immediate tasks run on commit).
        yield
        return
    fd = os.open(f"{connection.settings_dict['NAME']}.writelock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        _held.turn = True
        try:
            yield
        finally:
            _held.turn = False
    finally:
        os.close(fd)  # closing releases the lock
