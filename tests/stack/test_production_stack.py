"""The production stack, started for real: gunicorn (2 sync workers, config.settings.production)
on this pass's PostgreSQL, its own redis-server, moto's S3 server, db_worker, the sweeper and the
live process (gunicorn's ASGI worker), behind a pretend reverse proxy (TRUSTED_PROXY_COUNT=1, X-Forwarded-Proto).

It runs in the PostgreSQL pass only (marker `postgres_only`; scripts/run-tests): a failure under
CI=true when PostgreSQL is missing, a loud skip otherwise.
"""

import json
import os
import secrets
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import boto3
import psycopg
import pytest
from cryptography.fernet import Fernet
from prometheus_client.parser import text_string_to_metric_families

from crm.models import Message
from tests.conftest import free_port, require_or_skip, start_redis_server
from tests.screening import samples
from tests.screening.conftest import MOTO_CREDENTIALS, moto_endpoint  # noqa: F401 - a fixture
from tests.webhooks.conftest import ACCOUNT_ID, load
from webhooks.intake import sign

from .processes import (
    MANAGE,
    PYTHON,
    EventStream,
    Stack,
    call,
    children_of,
    multipart,
    page_session,
    wait_until,
)

pytestmark = pytest.mark.postgres_only

DATABASE_URL = os.environ.get("DATABASE_URL", "")
BUCKET = "crm-stack-private"
EMAIL, PASSWORD, SLUG = "stack.creator@example.com", "Stack-Pass-9173!", "stackcreator"
FAN_EMAIL = "fan.private@example.net"
METRICS_TOKEN = secrets.token_urlsafe(24)
WEBHOOK_SECRET = secrets.token_hex(16)


@pytest.fixture
def database():
    """A database of its own on the pass's PostgreSQL server, dropped afterwards."""
    require_or_skip("PostgreSQL (DATABASE_URL=postgres://…, scripts/pg-throwaway)", DATABASE_URL.startswith("postgres"))
    name = f"crm_stack_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(DATABASE_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = urlsplit(DATABASE_URL)._replace(path=f"/{name}").geturl()
    yield url
    with psycopg.connect(DATABASE_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def redis():
    proc, url = start_redis_server()
    yield proc, url
    if proc.poll() is None:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def bucket(moto_endpoint):  # noqa: F811
    client = boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id=MOTO_CREDENTIALS["access_key"],
        aws_secret_access_key=MOTO_CREDENTIALS["secret_key"],
    )
    client.create_bucket(Bucket=BUCKET)
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


@pytest.fixture
def stack(database, redis, bucket, moto_endpoint, tmp_path):  # noqa: F811
    web_port, live_port = free_port(), free_port()
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "CI")}
    env = keep | {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database,
        "REDIS_URL": redis[1],
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        "AWS_S3_ENDPOINT_URL": moto_endpoint,
        "AWS_S3_REGION_NAME": "us-east-1",
        "AWS_ACCESS_KEY_ID": MOTO_CREDENTIALS["access_key"],
        "AWS_SECRET_ACCESS_KEY": MOTO_CREDENTIALS["secret_key"],
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "PII_HASH_KEY": secrets.token_urlsafe(32),
        "INSTAGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "INSTAGRAM_WEBHOOK_VERIFY_TOKEN": secrets.token_urlsafe(16),
        "TRUSTED_PROXY_COUNT": "1",
        # Required in production; nothing in the test sends mail.
        "EMAIL_URL": "smtp://127.0.0.1:1",
        "DEFAULT_FROM_EMAIL": "crm@example.com",
        "METRICS_TOKEN": METRICS_TOKEN,
        "LOG_FORMAT": "json",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "WEB_CONCURRENCY": "2",
        "GUNICORN_BIND": f"127.0.0.1:{web_port}",
        "WEBHOOK_SWEEP_INTERVAL_SECONDS": "1",
    }
    stack = Stack(env=env, folder=tmp_path)
    stack.web_port, stack.live_port = web_port, live_port
    stack.run("migrate", "--noinput", "-v", "0")
    stack.run("collectstatic", "--noinput", "-v", "0")  # as a deployment does (whitenoise serves them)
    stack.run("create_creator", "--slug", SLUG, "--email", EMAIL, "--password", PASSWORD)
    stack.run("connect_account", "--creator", SLUG, "--platform", "instagram", "--account-id", ACCOUNT_ID)
    bin_dir = os.path.dirname(PYTHON)
    stack.web = stack.start("web", [f"{bin_dir}/gunicorn", "-c", "deploy/gunicorn.conf.py", "config.wsgi:application"])
    stack.worker = stack.start(
        "worker", [*MANAGE, "db_worker", "--queue-name", "*", "--no-reload", "--no-startup-delay", "--interval", "0.2"]
    )
    stack.sweeper = stack.start("sweeper", [*MANAGE, "sweep_webhooks", "--forever"])
    stack.live = stack.start(
        "live",
        [f"{bin_dir}/gunicorn", "-c", "deploy/gunicorn-live.conf.py", "--bind", f"127.0.0.1:{live_port}", "config.asgi:application"],
    )
    try:
        wait_until(lambda: call(web_port, "GET", "/healthz").status == 200, timeout=30, what="gunicorn", stack=stack)
        wait_until(lambda: len(children_of(stack.web.popen.pid)) == 2, timeout=10, what="2 workers", stack=stack)
        wait_until(lambda: call(live_port, "GET", "/live/healthz").status == 200, timeout=30, what="the live process", stack=stack)
        yield stack
    finally:
        stack.stop()


def metric_values(stack) -> dict[tuple, float]:
    answer = call(stack.web_port, "GET", "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert answer.status == 200, answer.body[:300]
    values = {}
    for family in text_string_to_metric_families(answer.body.decode()):
        for s in family.samples:
            values[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return values


def value(values: dict, name: str, **labels) -> float:
    return values.get((name, tuple(sorted(labels.items()))), 0.0)


def test_the_production_stack(stack, redis, bucket):
    web, live = stack.web_port, stack.live_port
    json_headers = {"Content-Type": "application/json"}

    # Production settings are in force: plain HTTP (no X-Forwarded-Proto) is sent to HTTPS.
    assert call(web, "GET", "/api/crm/fans", proxied=False).status == 301

    # Sign in (seed 000): a wrong password first (a failed sign-in), then tokens for Bearer.
    wrong = call(web, "POST", "/api/auth/token", body=json.dumps({"email": EMAIL, "password": "nope"}).encode(), headers=json_headers)
    assert wrong.status == 401
    tokens = call(web, "POST", "/api/auth/token", body=json.dumps({"email": EMAIL, "password": PASSWORD}).encode(), headers=json_headers)
    assert tokens.status == 200, tokens.body
    bearer = {"Authorization": f"Bearer {tokens.json()['access']}", **json_headers}

    # A fan through each API.
    fan = call(web, "POST", "/api/crm/fans", headers=bearer,
               body=json.dumps({"name": "Stack Fan", "platform": "fansly", "platform_id": "stack-1", "email": FAN_EMAIL}).encode())
    assert fan.status == 201, fan.body
    key = call(web, "POST", "/api/v1/auth/generate-key", headers=json_headers,
               body=json.dumps({"model_slug": SLUG, "password": PASSWORD, "name": "stack"}).encode())
    assert key.status in (200, 201), key.body
    api_key = key.json()["data"]["api_key"]
    v1 = {"Authorization": f"Bearer {api_key}", **json_headers}
    client = call(web, "POST", "/api/v1/clients", headers=v1, body=json.dumps({"email": "other.fan@example.net", "client_identifier": "stack-v1"}).encode())
    assert client.status == 201, client.body
    client_id = client.json()["data"]["id"]

    # A screening file: it lands in the bucket.
    body, content_type = multipart("file", "id.pdf", samples.PDF, "application/pdf")
    upload = call(web, "POST", f"/api/v1/screening/{client_id}/files", body=body,
                  headers={"Authorization": f"Bearer {api_key}", "Content-Type": content_type})
    assert upload.status == 201, upload.body
    keys = [item["Key"] for item in bucket.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    assert len(keys) == 1 and bucket.get_object(Bucket=BUCKET, Key=keys[0])["Body"].read() == samples.PDF

    # A page session watches the live feed on the live process while the webhook arrives.
    watching = EventStream(live, page_session(web, EMAIL, PASSWORD))
    assert watching.read_until(b"retry: ").startswith(b"HTTP/1.1 200")

    # A signed webhook becomes a message; the worker's log carries the delivery's request id.
    delivery = json.dumps(load("messaging")).encode()
    request_id = f"stack-delivery-{uuid.uuid4().hex[:8]}"
    hook = call(web, "POST", "/api/webhooks/instagram", body=delivery,
                headers={**json_headers, "X-Hub-Signature-256": sign(delivery, WEBHOOK_SECRET), "X-Request-ID": request_id})
    assert hook.status == 200 and hook.headers["x-request-id"] == request_id
    mid = load("messaging")["entry"][0]["messaging"][0]["message"]["mid"]
    with psycopg.connect(stack.env["DATABASE_URL"], autocommit=True) as db:
        wait_until(
            lambda: db.execute(f"SELECT 1 FROM {Message._meta.db_table} WHERE platform_message_id = %s", [mid]).fetchone(),
            timeout=20, what="the webhook's message", stack=stack,
        )
    worker_lines = [json.loads(line) for line in stack.worker.output().splitlines() if line.startswith("{")]
    traced = [line["message"] for line in worker_lines if line.get("request_id") == request_id]
    assert any(m.startswith("Recorded message") for m in traced), stack.worker.output()[-3000:]
    assert any(m.endswith(" processed") for m in traced)
    # ...and reached the watcher: the worker's commit woke the live process (LISTEN/NOTIFY).
    assert b"Hi! Do you do customs?" in watching.read_until(b"event: message", timeout=5)
    watching.close()

    # Metrics add up across both gunicorn workers (and the worker process).
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: call(web, "GET", "/api/crm/fans", headers=bearer), range(8)))
    assert [a.status for a in answers] == [200] * 8
    values = metric_values(stack)
    assert value(values, "crm_http_requests_total", route="api-crm-fans", method="GET", status="200") == 8
    assert value(values, "crm_http_requests_total", route="api-crm-fans", method="POST", status="201") == 1
    assert value(values, "crm_http_requests_total", route="api-auth-token", method="POST", status="401") == 1
    assert value(values, "crm_failed_sign_ins_total", entry="api") == 1
    assert value(values, "crm_webhook_events_total", status="received") == 1
    assert value(values, "crm_webhook_events_total", status="processed") == 1  # counted by db_worker
    assert value(values, "crm_webhook_event_latency_seconds_count", status="processed") == 1
    assert value(values, "crm_webhook_events_backlog", status="pending") == 0
    assert ("crm_task_queue_depth", (("queue", "default"),)) in values
    assert any(name == "crm_build_info" for name, _labels in values)
    assert value(values, "crm_http_request_db_queries_count", route="api-crm-fans") >= 9
    workers = children_of(stack.web.popen.pid)
    counted_by = {int(p.stem.split("_")[-1]) for p in (stack.folder / "metrics").glob("counter_*.db")}
    assert set(workers) <= counted_by, (workers, counted_by)  # both workers served and counted
    assert call(web, "GET", "/metrics").status == 404  # no token: the site's 404

    # Ready; the live process answers on its own.
    ready = call(web, "GET", "/readyz")
    assert ready.status == 200, ready.body
    assert ready.json()["checks"] == {"database": "ok", "cache": "ok", "storage": "ok", "redis": "ok"}
    live_health = call(live, "GET", "/live/healthz", headers={"X-Request-ID": "live-probe"})
    assert live_health.status == 200 and live_health.headers["x-request-id"] == "live-probe"
    assert call(live, "GET", "/api/crm/fans").status == 404

    # Redis stops: not ready (within 2 s per answer), still alive.
    redis[0].terminate()
    redis[0].wait(timeout=10)
    started = time.monotonic()
    answers = []
    while time.monotonic() - started < 10:
        answers.append(call(web, "GET", "/readyz"))
        if answers[-1].status == 503:
            break
        time.sleep(0.3)
    down = answers[-1]
    assert down.status == 503, [a.body for a in answers]
    assert "redis" in down.json()["failed"] and "cache" in down.json()["failed"]
    assert max(a.seconds for a in answers) < 2.0
    assert call(web, "GET", "/healthz").status == 200

    # Every line the processes wrote is one JSON object; no private data in any.
    stack.stop()
    for process in stack.processes:
        lines = [line for line in process.output().splitlines() if line.strip()]
        assert lines, process.name
        for line in lines:
            assert _json_object(line), f"{process.name} wrote a line that is not a JSON object: {line}"
    everything = "\n".join(p.output() for p in stack.processes)
    for private in (PASSWORD, FAN_EMAIL, "other.fan@example.net", api_key, tokens.json()["access"], WEBHOOK_SECRET,
                    load("messaging")["entry"][0]["messaging"][0]["message"]["text"]):
        assert private not in everything


def _json_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False
