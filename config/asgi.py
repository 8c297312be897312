"""The live process: the ASGI application for long-lived connections, under /live/ only.

Pages and both APIs are served by gunicorn's sync workers (config.wsgi); a connection that stays
open (live updates, visitor chat) would hold one of those workers for its whole life, so the
reverse proxy sends the /live/ prefix to this process instead, on the same origin (cookies and
sessions work unchanged). It runs on gunicorn's ASGI worker (docs/architecture.md, "Server
model"):

    gunicorn -c deploy/gunicorn-live.conf.py config.asgi:application

Anything outside /live/ is a 404 here: a page is never served by this process by mistake.
"""

import json
import os

from django.core.asgi import get_asgi_application

from core.observability.context import accept_request_id

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
# No persistent connections per request here (Django's advice under ASGI): each request runs its
# sync parts in a thread of its own, and a connection kept by a thread that ends is never reused,
# only held open until the server refuses new ones. The streams read through core.live's small
# pool of threads, whose connections do persist (core.live.wakeup.db).
os.environ.setdefault("DATABASE_CONN_MAX_AGE", "0")
django_application = get_asgi_application()

PREFIX = "/live/"
_NOT_FOUND = json.dumps({"error": "Not found"}).encode()


async def _not_found(scope, send) -> None:
    # Outside Django's middleware, but with a request id all the same, as every response.
    given = dict(scope.get("headers", [])).get(b"x-request-id", b"").decode("latin-1")
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(_NOT_FOUND)).encode()),
        (b"x-request-id", accept_request_id(given).encode()),
    ]
    await send({"type": "http.response.start", "status": 404, "headers": headers})
    await send({"type": "http.response.body", "body": _NOT_FOUND})


async def _lifespan(receive, send) -> None:
    # At startup SIGTERM is made to end the live streams first: gunicorn and uvicorn send the
    # lifespan shutdown only once connections are closed, and a stream never closes by itself
    # (core.live.wakeup.install_stop_handler). At shutdown, any stream still open ends.
    from core.live.wakeup import close_streams, install_stop_handler

    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            install_stop_handler()  # SIGTERM ends the streams first (core.live.wakeup)
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            close_streams()
            await send({"type": "lifespan.shutdown.complete"})
            return


async def application(scope, receive, send):
    if scope["type"] == "lifespan":
        return await _lifespan(receive, send)
    if scope["type"] == "http":
        if not scope["path"].startswith(PREFIX):
            return await _not_found(scope, send)
        return await django_application(scope, receive, send)
    if scope["type"] == "websocket":
        # No WebSocket route yet: refuse the handshake (closing before accepting answers 403).
        await receive()
        return await send({"type": "websocket.close", "code": 1000})
    raise ValueError(f"Unsupported ASGI scope type {scope['type']!r}")
