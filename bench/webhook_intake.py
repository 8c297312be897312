"""Webhook intake under load: N signed deliveries per second for D seconds against gunicorn.

    .venv/bin/python bench/webhook_intake.py --db sqlite
    .venv/bin/python bench/webhook_intake.py --db postgres          # throwaway cluster on loopback
    .venv/bin/python bench/webhook_intake.py --db postgres --database-url postgres://...

What it does: a fresh database (SQLite in WAL mode under var/bench/, or a PostgreSQL cluster it
starts on a free loopback port, like scripts/run-tests), migrations, one creator whose Instagram
account the deliveries are addressed to; gunicorn (config.wsgi, production settings, gthread)
on a free loopback port; then a separate load-generator process sends deliveries on a fixed
open-loop schedule (rate × duration, bounded) over keep-alive connections. Latency is measured
from each request's scheduled send time, so a stalled server cannot hide its queue (no
coordinated omission). At the end it checks every delivery was answered 200 and stored.
With --with-worker a `db_worker` processes the events at the same time (fans, messages).
"""

import argparse
import base64
import glob
import hashlib
import hmac
import http.client
import json
import os
import queue
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
SECRET = "bench-instagram-secret"
ACCOUNT_ID = "17841400000009999"
PATH = "/api/webhooks/instagram"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- Load generator (runs in its own process) ----------------------------------------------


def delivery(n: int, changes: int) -> bytes:
    items = [
        {
            "field": "comments",
            "value": {
                "id": f"bench-{os.getpid()}-{n}-{c}",
                "text": f"Comment {n}.{c} — great content!",
                "from": {"id": f"17841405800{n % 500:06d}", "username": f"fan_{n % 500}"},
                "media": {"id": "17887498072083520", "media_product_type": "FEED"},
            },
        }
        for c in range(changes)
    ]
    return json.dumps({"object": "instagram", "entry": [{"id": ACCOUNT_ID, "time": int(time.time()), "changes": items}]}).encode()


def generate(port: int, rate: float, duration: float, changes: int, connections: int) -> dict:
    total = int(rate * duration)
    bodies = []
    for n in range(total):
        body = delivery(n, changes)
        signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        bodies.append((body, signature))
    jobs: queue.Queue = queue.Queue()
    results = [None] * total
    lock = threading.Lock()

    def sender():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            job = jobs.get()
            if job is None:
                conn.close()
                return
            n, scheduled = job
            body, signature = bodies[n]
            started = time.perf_counter()
            try:
                conn.request("POST", PATH, body=body, headers={
                    "Content-Type": "application/json",
                    "X-Hub-Signature-256": signature,
                    "X-Forwarded-Proto": "https",
                })
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                status = 0
            done = time.perf_counter()
            with lock:
                results[n] = (status, done - scheduled, done - started)

    threads = [threading.Thread(target=sender, daemon=True) for _ in range(connections)]
    for t in threads:
        t.start()
    start = time.perf_counter() + 0.2
    for n in range(total):
        scheduled = start + n / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        jobs.put((n, scheduled))
    for _ in threads:
        jobs.put(None)
    for t in threads:
        t.join(timeout=60)
    elapsed = time.perf_counter() - start
    done = [r for r in results if r is not None]
    return {
        "sent": total,
        "answered": len(done),
        "ok": sum(1 for r in done if r[0] == 200),
        "statuses": sorted({r[0] for r in done}),
        "elapsed": elapsed,
        "latency": [r[1] for r in done],
        "service": [r[2] for r in done],
    }


# --- Orchestration --------------------------------------------------------------------------


def percentiles(values: list[float]) -> dict:
    if not values:
        return {}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": cuts[49] * 1000, "p95": cuts[94] * 1000, "p99": cuts[98] * 1000, "max": max(values) * 1000}


class Postgres:
    """A throwaway cluster on a free loopback port (the approach of scripts/run-tests)."""

    def __init__(self):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
        if not bins:
            sys.exit("PostgreSQL is not installed")
        self.bin = bins[-1]
        self.dir = tempfile.mkdtemp(prefix="crm-bench-pg.")
        self.port = free_port()
        self.as_pg = []
        if os.getuid() == 0:
            if subprocess.run(["id", "postgres"], capture_output=True).returncode != 0:
                subprocess.run(["useradd", "--system", "--no-create-home", "postgres"], check=True)
            shutil.chown(self.dir, "postgres")
            self.as_pg = ["runuser", "-u", "postgres", "--"]

    def start(self) -> str:
        data = f"{self.dir}/data"
        subprocess.run([*self.as_pg, f"{self.bin}/initdb", "-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"],
                       check=True, capture_output=True)
        # Durable settings (fsync on): the bench measures what production would see.
        options = f"-h 127.0.0.1 -p {self.port} -k {self.dir} -c max_connections=100"
        subprocess.run([*self.as_pg, f"{self.bin}/pg_ctl", "-D", data, "-l", f"{self.dir}/log", "-w", "-o", options, "start"],
                       check=True, capture_output=True)
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self):
        subprocess.run([*self.as_pg, f"{self.bin}/pg_ctl", "-D", f"{self.dir}/data", "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def bench_env(database_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "AWS_STORAGE_BUCKET_NAME")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY="bench-secret-key-" + "x" * 40,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="false",
        FIELD_ENCRYPTION_KEYS=base64.urlsafe_b64encode(b"b" * 32).decode(),
        PII_HASH_KEY="bench-pii-hash-key",
        INSTAGRAM_WEBHOOK_SECRET=SECRET,
        INSTAGRAM_WEBHOOK_VERIFY_TOKEN="bench-verify-token",
        DATABASE_URL=database_url,
        LOG_LEVEL="WARNING",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


SETUP = f"""
from crm import services
c = services.creator_create(slug="bench", email="bench@example.com", password="bench-password-123")
services.platform_account_connect(creator=c, platform="instagram", external_account_id="{ACCOUNT_ID}")
"""

COUNT = "from webhooks.models import WebhookEvent as W; print(W.objects.count(), W.objects.filter(status='processed').count())"


def manage(env: dict, *args: str) -> str:
    result = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return result.stdout


def wait_ready(port: int, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", PATH + "?hub.mode=subscribe&hub.verify_token=bench-verify-token&hub.challenge=1",
                         headers={"X-Forwarded-Proto": "https"})
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit("gunicorn did not come up")


def run(args) -> int:
    pg = None
    if args.db == "sqlite":
        bench_dir = ROOT / "var" / "bench"
        bench_dir.mkdir(parents=True, exist_ok=True)
        db_file = bench_dir / f"webhooks-{os.getpid()}.sqlite3"
        database_url = f"sqlite:///{db_file}"
    elif args.database_url:
        database_url = args.database_url
    else:
        pg = Postgres()
        database_url = pg.start()
    env = bench_env(database_url)
    (ROOT / "var" / "static").mkdir(parents=True, exist_ok=True)  # whitenoise warns without it
    procs = []
    try:
        manage(env, "migrate", "--noinput")
        manage(env, "createcachetable")
        manage(env, "shell", "-c", SETUP)
        port = free_port()
        gunicorn = subprocess.Popen(
            [GUNICORN, "config.wsgi", "-k", "gthread", "-w", str(args.workers), "--threads", str(args.threads),
             "-b", f"127.0.0.1:{port}", "--keep-alive", "30", "--log-level", "warning"],
            cwd=ROOT, env=env,
        )
        procs.append(gunicorn)
        if args.with_worker:
            procs.append(subprocess.Popen([PY, "manage.py", "db_worker", "--queue-name", "*", "--no-reload", "--interval", "0.2"],
                                          cwd=ROOT, env=env, stdout=subprocess.DEVNULL))
        wait_ready(port)
        # Warm every gunicorn worker (imports, connections) before measuring.
        subprocess.run([PY, __file__, "--generate", "--port", str(port), "--rate", "20", "--duration", "2",
                        "--changes", "1", "--connections", str(args.connections)], cwd=ROOT, check=True, capture_output=True)
        generator = subprocess.run(
            [PY, __file__, "--generate", "--port", str(port), "--rate", str(args.rate), "--duration", str(args.duration),
             "--changes", str(args.changes), "--connections", str(args.connections)],
            cwd=ROOT, check=True, capture_output=True, text=True,
        )
        result = json.loads(generator.stdout)
        time.sleep(1)
        stored, processed = (int(x) for x in manage(env, "shell", "--no-imports", "-c", COUNT).split())
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        if pg:
            pg.stop()
        if args.db == "sqlite" and not args.keep:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db_file}{suffix}").unlink(missing_ok=True)

    latency, service = percentiles(result["latency"]), percentiles(result["service"])
    expected = (result["sent"] + 40) * args.changes  # + the warm-up deliveries
    summary = {
        "db": args.db,
        "gunicorn": f"{args.workers} workers x {args.threads} threads (gthread)",
        "rate": args.rate,
        "duration_s": args.duration,
        "changes_per_delivery": args.changes,
        "with_worker": args.with_worker,
        "sent": result["sent"],
        "ok": result["ok"],
        "statuses": result["statuses"],
        "achieved_rps": round(result["answered"] / result["elapsed"], 1),
        "latency_ms": {k: round(v, 1) for k, v in latency.items()},
        "service_ms": {k: round(v, 1) for k, v in service.items()},
        "events_stored": stored,
        "events_expected": expected,
        "events_processed": processed,
    }
    print(json.dumps(summary, indent=2))
    passed = result["ok"] == result["sent"] and stored == expected and latency["p99"] < args.p99_budget_ms
    print(f"{'PASS' if passed else 'FAIL'}: p99 {latency['p99']:.1f} ms (budget {args.p99_budget_ms} ms), "
          f"{result['ok']}/{result['sent']} answered 200, {stored}/{expected} events stored")
    return 0 if passed else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--database-url", help="an existing PostgreSQL database (it is migrated) instead of a throwaway cluster")
    parser.add_argument("--rate", type=float, default=100, help="deliveries per second (default 100)")
    parser.add_argument("--duration", type=float, default=30, help="seconds (default 30)")
    parser.add_argument("--changes", type=int, default=1, help="changes per delivery (default 1)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (default 4)")
    parser.add_argument("--connections", type=int, default=16, help="client keep-alive connections (default 16)")
    parser.add_argument("--with-worker", action="store_true", help="also run db_worker, processing while intake runs")
    parser.add_argument("--p99-budget-ms", type=float, default=100)
    parser.add_argument("--keep", action="store_true", help="keep the SQLite bench database")
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rate <= 0 or args.duration <= 0 or args.rate * args.duration > 100_000:
        parser.error("rate × duration must be positive and at most 100,000 requests")
    if args.generate:
        print(json.dumps(generate(args.port, args.rate, args.duration, args.changes, args.connections)))
        return 0
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
