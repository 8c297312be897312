#!/usr/bin/env python3
"""The reverse proxy of `make run` and the browser tests: one origin, /live/ to the live process.

In production nginx sends /live/ to the ASGI process and everything else to the web process
(deploy/nginx/crm.conf); this does the same on one machine, so pages and their stream share an
origin (the session cookie, Origin checks) exactly as they will behind nginx:

    python scripts/dev_proxy.py --listen 127.0.0.1:8000 --web 127.0.0.1:8002 --live 127.0.0.1:8001

Each client connection carries one request (the proxy asks both sides to close after it), so
every request is routed by its own path. Bytes are passed on as they come: a stream flows.
"""

import argparse
import asyncio
import contextlib
import signal

HEAD_LIMIT = 64 * 1024


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host or "127.0.0.1", int(port)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


def _one_request_head(head: bytes) -> bytes:
    """The head with `Connection: close` (no keep-alive: the next request is routed anew). Used
    on the request and on the response: a client told so by the response opens a new connection
    for its next request instead of sending it down this one as the proxy closes it."""
    lines = head.split(b"\r\n")
    kept = [line for line in lines[1:] if line and not line.lower().startswith((b"connection:", b"keep-alive:"))]
    return b"\r\n".join([lines[0], *kept, b"Connection: close", b"", b""])


async def _answer(upstream_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
    """The upstream's response to the client, its head saying `Connection: close`."""
    try:
        head = await upstream_reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        client_writer.close()
        return
    client_writer.write(_one_request_head(head))
    await _pipe(upstream_reader, client_writer)


async def _handle(client_reader, client_writer, web, live):
    try:
        head = await client_reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        client_writer.close()
        return
    parts = head.split(b" ", 2)
    path = parts[1] if len(parts) > 1 else b"/"
    target = live if path.startswith(b"/live/") else web
    try:
        upstream_reader, upstream_writer = await asyncio.open_connection(*target)
    except OSError:
        # The upstream is down: drop the connection, as a network failure (EventSource retries).
        client_writer.close()
        return
    upstream_writer.write(_one_request_head(head))
    await upstream_writer.drain()
    await asyncio.gather(_pipe(client_reader, upstream_writer), _answer(upstream_reader, client_writer))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", required=True)
    parser.add_argument("--web", required=True)
    parser.add_argument("--live", required=True)
    args = parser.parse_args()
    web, live = _address(args.web), _address(args.live)
    server = await asyncio.start_server(
        lambda r, w: _handle(r, w, web, live), *_address(args.listen), limit=HEAD_LIMIT
    )
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(main())
