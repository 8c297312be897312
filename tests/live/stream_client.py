"""Driving the live process's ASGI application (config.asgi) as a server would, for streams."""

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from django.test import Client

from config.asgi import application


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def scope(path: str, *, query: str = "", cookie: str | None = None, headers=()) -> dict:
    sent = [(b"host", b"testserver")]
    if cookie:
        sent.append((b"cookie", f"sessionid={cookie}".encode()))
    sent += [(k.encode(), v.encode()) for k, v in headers]
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
        "headers": sent, "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
    }


class Stream:
    """One request held open: `frames()` so far, `status`, `wait_for(text)`, `close()`."""

    def __init__(self, request_scope: dict):
        self.status = None
        self.headers = {}
        self.body = b""
        self.ended = threading.Event()
        self._changed = threading.Condition()
        self._loop = asyncio.new_event_loop()
        self._disconnect = None
        self._pool = ThreadPoolExecutor(max_workers=1)
        self._future = self._pool.submit(self._loop.run_until_complete, self._run(request_scope))

    async def _run(self, request_scope):
        self._disconnect = asyncio.Event()
        first = True

        async def receive():
            nonlocal first
            if first:
                first = False
                return {"type": "http.request", "body": b"", "more_body": False}
            await self._disconnect.wait()
            return {"type": "http.disconnect"}

        async def send(message):
            with self._changed:
                if message["type"] == "http.response.start":
                    self.status = message["status"]
                    self.headers = {k.decode().lower(): v.decode() for k, v in message["headers"]}
                else:
                    self.body += message.get("body", b"")
                    if not message.get("more_body", False):
                        self.ended.set()
                self._changed.notify_all()

        try:
            await application(request_scope, receive, send)
        finally:
            self.ended.set()
            with self._changed:
                self._changed.notify_all()

    def wait_for(self, predicate, timeout: float = 10.0):
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate(self):
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (self.ended.is_set() and not predicate(self)):
                    raise AssertionError(f"not seen in time; status {self.status}, body {self.body[-2000:]!r}")
                self._changed.wait(min(remaining, 0.1))

    def data_frames(self) -> list[dict]:
        """The frames that carry an event: {id, event, data} (keep-alives and id-only frames left out)."""
        import json

        found = []
        for block in self.body.decode().split("\n\n"):
            fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line and not line.startswith(":"))
            if "data" in fields:
                found.append({"id": int(fields["id"]) if "id" in fields else None, "event": fields.get("event"),
                              "data": json.loads(fields["data"])})
        return found

    def ids(self) -> list[int]:
        return [int(line[4:]) for line in self.body.decode().splitlines() if line.startswith("id: ")]

    def close(self):
        if self._disconnect is not None:
            self._loop.call_soon_threadsafe(self._disconnect.set)
        try:
            self._future.result(timeout=10)
        finally:
            self._pool.submit(self._cancel_leftovers).result(timeout=10)
            self._pool.shutdown(wait=False)
            self._loop.close()

    def _cancel_leftovers(self):
        """The loop's hub outlives its last stream by one tick; a server would keep the loop."""
        pending = asyncio.all_tasks(self._loop)
        for task in pending:
            task.cancel()
        if pending:
            self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
