"""Live updates under load: 50 watchers of one creator, messages from the worker and from web
requests; commit-to-receipt time, events lost and duplicated.

    .venv/bin/python bench/live.py                                  # SQLite (the embedded default)
    ./scripts/pg-throwaway .venv/bin/python bench/live.py --db postgres

Starts the real processes on a fresh database: gunicorn for the web (2 sync workers), gunicorn's
ASGI worker for /live/ (1 worker), `manage.py db_worker`. The watchers are raw SSE clients in one
asyncio loop, signed in with page sessions; each stream ends every LIVE_STREAM_SECONDS, and the
watcher reconnects with Last-Event-ID, as EventSource does, so resumes are part of the run.
Producers alternate: a signed Instagram DM (stored by the web, processed by the worker) and a
reply through /api/crm (committed in a web worker).

Commit to receipt: the feed row's `created_at` (stamped inside the committing transaction, a
few ms before its commit) to the moment a watcher has read the frame. Same machine, same clock.
"""

import argparse
import asyncio
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
ACCOUNT_ID = "17841400000000001"
EMAIL, PASSWORD = "bench.live@example.com", "Bench-Live-4417!"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url(kind: str, folder: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{folder / 'db.sqlite3'}"
    import psycopg

    base = os.environ["DATABASE_URL"]
    name = f"bench_live_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return urlsplit(base)._replace(path=f"/{name}").geturl()


def run(env, *args):
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(result.stdout + result.stderr)


def wait_http(url: str, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).close()  # noqa: S310 (loopback)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer")


class Watcher:
    def __init__(self, index: int, port: int, cookie: str, after: int):
        self.index, self.port, self.cookie, self.after = index, port, cookie, after
        self.received: list[tuple[int, float]] = []  # (event id, receipt time) of message events
        self.reconnects = 0

    async def run(self, stop: asyncio.Event):
        while not stop.is_set():
            try:
                await self._one_connection(stop)
            except (ConnectionError, OSError, asyncio.IncompleteReadError):
                await asyncio.sleep(0.2)
            self.reconnects += 1

    async def _one_connection(self, stop):
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        writer.write(
            (f"GET /live/events HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: sessionid={self.cookie}\r\n"
             f"Last-Event-ID: {self.after}\r\nAccept: text/event-stream\r\n\r\n").encode()
        )
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        if b" 200 " not in head.split(b"\r\n", 1)[0]:
            raise SystemExit(f"watcher {self.index}: {head!r}")
        chunked = b"chunked" in head.lower()
        buffer = b""
        try:
            while not stop.is_set():
                if chunked:
                    size_line = await asyncio.wait_for(reader.readuntil(b"\r\n"), timeout=1.0)
                    size = int(size_line.strip().split(b";")[0], 16)
                    if size == 0:
                        return
                    chunk = await reader.readexactly(size + 2)
                    buffer += chunk[:-2]
                else:
                    chunk = await asyncio.wait_for(reader.read(65536), timeout=1.0)
                    if not chunk:
                        return
                    buffer += chunk
                now = time.time()
                while b"\n\n" in buffer:
                    block, buffer = buffer.split(b"\n\n", 1)
                    self._frame(block.decode(), now)
        except TimeoutError:
            pass
        finally:
            writer.close()

    def _frame(self, block: str, now: float):
        fields = {}
        for line in block.splitlines():
            if line.startswith(":") or ": " not in line:
                continue
            key, value = line.split(": ", 1)
            fields[key] = value
        if "id" in fields:
            self.after = int(fields["id"])
            if fields.get("event") == "message":
                self.received.append((int(fields["id"]), now))


def session_cookie(env) -> str:
    os.environ.update({k: v for k, v in env.items() if k in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "MEDIA_ROOT")})
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(email=EMAIL))
    return client.cookies["sessionid"].value


def produce(web_port, secret, count, interval, token_cookie, conversation_id, sent):
    from webhooks.intake import sign

    for i in range(count):
        started = time.time()
        if i % 2 == 0:
            body = json.dumps({"object": "instagram", "entry": [{"id": ACCOUNT_ID, "time": int(started), "messaging": [{
                "sender": {"id": "17841405822304914"}, "recipient": {"id": ACCOUNT_ID},
                "timestamp": int(started * 1000), "message": {"mid": f"bench-{uuid.uuid4().hex}", "text": f"dm {i}"}}]}]}).encode()
            request = urllib.request.Request(f"http://127.0.0.1:{web_port}/api/webhooks/instagram", data=body, method="POST",
                                             headers={"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, secret)})
        else:
            request = urllib.request.Request(
                f"http://127.0.0.1:{web_port}/api/crm/conversations/{conversation_id}/messages",
                data=json.dumps({"text": f"reply {i}"}).encode(), method="POST",
                headers={"Content-Type": "application/json", "Cookie": f"access_token={token_cookie}"})
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
            assert response.status in (200, 201), response.status
        sent.append(("worker" if i % 2 == 0 else "web", started))
        time.sleep(max(0.0, interval - (time.time() - started)))


def api_token(web_port) -> str:
    request = urllib.request.Request(f"http://127.0.0.1:{web_port}/api/auth/login", method="POST",
                                     data=json.dumps({"email": EMAIL, "password": PASSWORD}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
        for header in response.headers.get_all("Set-Cookie"):
            if header.startswith("access_token="):
                return header.split(";", 1)[0].split("=", 1)[1]
    raise SystemExit("no access token")


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--watchers", type=int, default=50)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--interval", type=float, default=0.1, help="seconds between two messages")
    parser.add_argument("--stream-seconds", type=float, default=8, help="each stream's life (resumes during the run)")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="bench-live-"))
    secret = secrets.token_hex(16)
    web_port, live_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_URL"))} | {
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": database_url(args.db, folder),
        "MEDIA_ROOT": str(folder / "media"),
        "PROMETHEUS_MULTIPROC_DIR": str(folder / "metrics"),
        "INSTAGRAM_WEBHOOK_SECRET": secret,
        "WRITE_RATE_LIMIT": "100000/60s",
        "LOG_FORMAT": "plain", "LOG_LEVEL": "WARNING",
        "LIVE_STREAM_SECONDS": str(args.stream_seconds),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    (folder / "metrics").mkdir()
    run(env, "migrate", "--noinput", "-v", "0")
    run(env, "create_creator", "--slug", "bench-live", "--email", EMAIL, "--password", PASSWORD)
    run(env, "connect_account", "--creator", "bench-live", "--platform", "instagram", "--account-id", ACCOUNT_ID)
    procs = []

    def start(argv):
        procs.append(subprocess.Popen(argv, cwd=ROOT, env=env, stdout=(folder / f"p{len(procs)}.log").open("wb"),
                                      stderr=subprocess.STDOUT, start_new_session=True))

    try:
        start([str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "--bind", f"127.0.0.1:{web_port}", "--workers", "2",
               "config.wsgi:application"])
        start([str(BIN / "gunicorn"), "-c", "deploy/gunicorn-live.conf.py", "--bind", f"127.0.0.1:{live_port}",
               "--workers", "1", "config.asgi:application"])
        start([sys.executable, "manage.py", "db_worker", "--queue-name", "*", "--no-reload", "--interval", "0.2"])
        wait_http(f"http://127.0.0.1:{web_port}/healthz")
        wait_http(f"http://127.0.0.1:{live_port}/live/healthz")
        cookie = session_cookie(env)
        token = api_token(web_port)

        from core.live.models import FeedEvent
        from crm import live
        from crm.models import Conversation, Creator

        creator = Creator.objects.get(slug="bench-live")
        stream = live.stream_of(creator.pk)
        # The conversation the web replies go to: opened by a first DM (through the worker).
        sent = []
        produce(web_port, secret, 1, 0, token, 0, sent)
        deadline = time.monotonic() + 20
        while not (conversation := Conversation.objects.filter(creator=creator).first()):
            if time.monotonic() > deadline:
                raise SystemExit("the worker did not process the first DM")
            time.sleep(0.1)
        start_cursor = live.cursor_of(creator.pk)

        async def watch_and_produce():
            stop = asyncio.Event()
            watchers = [Watcher(i, live_port, cookie, start_cursor) for i in range(args.watchers)]
            tasks = [asyncio.create_task(w.run(stop)) for w in watchers]
            await asyncio.sleep(1.0)  # all connected
            sent.clear()
            await asyncio.to_thread(produce, web_port, secret, args.messages, args.interval, token, conversation.pk, sent)
            # Until every message event is stored and received (or 20 s).
            settle = time.monotonic() + 20
            while time.monotonic() < settle:
                expected = await asyncio.to_thread(
                    lambda: set(FeedEvent.objects.filter(stream=stream, kind="message", id__gt=start_cursor).values_list("id", flat=True)))
                if len(expected) >= args.messages and all(expected <= {i for i, _t in w.received} for w in watchers):
                    break
                await asyncio.sleep(0.2)
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            return watchers

        watchers = asyncio.run(watch_and_produce())
        events = {e.pk: e for e in FeedEvent.objects.filter(stream=stream, kind="message", id__gt=start_cursor)}
        origin = {e.pk: ("web" if e.data.get("direction") == "out" else "worker") for e in events.values()}
        latencies = {"worker": [], "web": []}
        lost = duplicated = 0
        for w in watchers:
            ids = [i for i, _t in w.received]
            duplicated += len(ids) - len(set(ids))
            lost += len(set(events) - set(ids))
            for event_id, at in w.received:
                if event_id in events:
                    latencies[origin[event_id]].append(at - events[event_id].created_at.timestamp())
        everything = latencies["worker"] + latencies["web"]
        print(f"engine={args.db} watchers={args.watchers} messages={len(events)} (worker {sum(1 for o in origin.values() if o == 'worker')}, "
              f"web {sum(1 for o in origin.values() if o == 'web')}) rate={1 / args.interval:.0f}/s stream_life={args.stream_seconds}s")
        print(f"deliveries={len(everything)} lost={lost} duplicated={duplicated} "
              f"reconnects={sum(w.reconnects for w in watchers)}")
        for name, values in (("all", everything), ("worker", latencies["worker"]), ("web", latencies["web"])):
            if values:
                print(f"commit->receipt {name:6s} p50={statistics.median(values) * 1000:.0f}ms "
                      f"p95={percentile(values, 95) * 1000:.0f}ms max={max(values) * 1000:.0f}ms")
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
