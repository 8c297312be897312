"""The live process (config.asgi): /live/ only, a request id on every answer, lifespan answered."""

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from config.asgi import application

pytestmark = pytest.mark.once


def call(scope: dict, messages: list[dict]) -> list[dict]:
    sent: list[dict] = []
    incoming = list(messages)

    async def receive():
        if incoming:
            return incoming.pop(0)
        await asyncio.sleep(3600)  # the client stays connected

    async def send(message):
        sent.append(message)

    async def run():
        await asyncio.wait_for(application(scope, receive, send), timeout=10)

    # On a thread of its own: an earlier test (the browser's sync API) may leave a loop running here.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, run()).result()
    return sent


def http(path: str, headers=()) -> tuple[int, dict, bytes]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8001),
    }
    sent = call(scope, [{"type": "http.request", "body": b"", "more_body": False}])
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {k.decode().lower(): v.decode() for k, v in start["headers"]}, body


@pytest.mark.django_db
def test_live_healthz_through_django_with_a_request_id():
    status, headers, body = http("/live/healthz", headers=[(b"x-request-id", b"live-1")])
    assert status == 200
    assert json.loads(body) == {"status": "ok", "version": "1.0.0"}
    assert headers["x-request-id"] == "live-1"


@pytest.mark.parametrize("path", ["/fans/", "/api/crm/fans", "/healthz", "/livefoo"])
def test_nothing_outside_the_live_prefix_is_served(path):
    status, headers, body = http(path, headers=[(b"x-request-id", b"bad id\x01")])
    assert status == 404 and json.loads(body) == {"error": "Not found"}
    assert headers["x-request-id"] and headers["x-request-id"] != "bad id\x01"


def test_lifespan_is_answered():
    sent = call({"type": "lifespan"}, [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


def test_a_websocket_is_refused_until_a_route_exists():
    sent = call({"type": "websocket", "path": "/live/ws", "headers": []}, [{"type": "websocket.connect"}])
    assert sent == [{"type": "websocket.close", "code": 1000}]
