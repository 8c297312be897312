"""A real `manage.py db_worker` killed with SIGKILL mid-event: nothing lost, nothing applied twice."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from crm.models import Conversation, Fan, Message
from tests.factories import CreatorFactory, PlatformAccountFactory
from tests.webhooks.conftest import ACCOUNT_ID, load, store
from webhooks.choices import EventStatus
from webhooks.models import WebhookEvent
from webhooks.services import events_sweep

pytestmark = pytest.mark.django_db(transaction=True)

LEASE_SECONDS = 3


def database_url() -> str:
    """The test database as a DATABASE_URL, so the subprocesses share it."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def worker(*args: str, **env: str) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.webhooks.worker_settings",
        "DATABASE_URL": database_url(),
        "WEBHOOK_LEASE_SECONDS": str(LEASE_SECONDS),
        "PYTHONDONTWRITEBYTECODE": "1",
        **env,
    }
    if "WEBHOOK_TEST_STALL_MARKER" not in env:
        environment.pop("WEBHOOK_TEST_STALL_MARKER", None)
    command = [sys.executable, "manage.py", "db_worker", "--queue-name", "*", "--no-reload", "--no-startup-delay", *args]
    return subprocess.Popen(command, cwd=django_settings.BASE_DIR, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def wait_for(predicate, timeout: float, what: str, proc: subprocess.Popen | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"worker exited ({proc.returncode}) before {what}: {proc.stdout.read().decode()[-3000:]}")
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def test_a_worker_killed_mid_event_is_recovered_exactly_once(settings, tmp_path: Path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.WEBHOOK_LEASE_SECONDS = LEASE_SECONDS  # the sweeper's, as the worker's below
    creator = CreatorFactory()
    PlatformAccountFactory(creator=creator, external_account_id=ACCOUNT_ID)
    event = store(load("comments"))[0]  # stored and enqueued (database backend: a task row)

    marker = tmp_path / "stalled"
    first = worker("--interval", "0.1", WEBHOOK_TEST_STALL_MARKER=str(marker))
    try:
        # The worker has claimed the event and written fan, conversation and message, uncommitted.
        wait_for(marker.exists, 60, "the worker to reach the middle of the event", first)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == -signal.SIGKILL

    event.refresh_from_db()
    assert (event.status, event.attempts) == (EventStatus.PROCESSING, 1)
    assert not Message.objects.exists() and not Fan.objects.exists()  # its transaction died with it

    # Under a live lease the sweeper leaves the event alone; once the lease expires it re-enqueues.
    assert events_sweep()["lease_expired"] == 0
    wait_for(lambda: timezone.now() > event.lease_expires_at, LEASE_SECONDS + 5, "the lease to expire")
    swept = events_sweep()
    assert (swept["lease_expired"], swept["abandoned_results"]) == (1, 1)  # the dead run's result is closed

    second = worker("--batch", "--interval", "0")
    output, _ = second.communicate(timeout=120)
    assert second.returncode == 0, output.decode()[-3000:]

    event.refresh_from_db()
    assert (event.status, event.attempts, event.lease_expires_at) == (EventStatus.PROCESSED, 2, None)
    from django_tasks_db.models import DBTaskResult

    assert sorted(DBTaskResult.objects.values_list("status", flat=True)) == ["FAILED", "SUCCESSFUL"]
    message = Message.objects.get()
    assert message.platform_message_id == "17865799348089039"
    assert Conversation.objects.get().message_count == 1
    assert Fan.objects.get().creator == creator
    assert WebhookEvent.objects.count() == 1


def test_the_sweeper_skips_an_event_a_hung_worker_still_holds(settings):
    """PostgreSQL: a worker inside its transaction holds the event's row lock; the sweeper must
    neither wait for it nor move the event from under it (FOR UPDATE SKIP LOCKED)."""
    import threading

    from django.db import connections, transaction

    from webhooks.processing import event_claim

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; row locks are a PostgreSQL matter")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # no processing here
    PlatformAccountFactory(external_account_id=ACCOUNT_ID)
    event = store(load("comments"))[0]
    event_claim(event_id=event.pk)
    event.refresh_from_db()
    holding, release = threading.Event(), threading.Event()

    def hung_worker():
        try:
            with transaction.atomic():
                WebhookEvent.objects.select_for_update().get(pk=event.pk)
                holding.set()
                release.wait(30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=hung_worker)
    thread.start()
    try:
        assert holding.wait(10)
        started = time.monotonic()
        counts = events_sweep(now=event.lease_expires_at + timedelta(seconds=1))
        assert time.monotonic() - started < 5
        assert counts["lease_expired"] == 0
    finally:
        release.set()
        thread.join()
    assert events_sweep(now=event.lease_expires_at + timedelta(seconds=1))["lease_expired"] == 1


def test_sqlite_writers_of_the_event_store_take_turns():
    """SQLite: the intake and event processing queue on a file lock instead of polling SQLite's."""
    import threading

    from django.db import connections

    from webhooks.sqlite_turns import write_turn

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL writers use row locks")
    order = []

    def other_writer():
        try:
            with write_turn():
                order.append("other")
        finally:
            connections.close_all()

    with write_turn():
        with write_turn():  # re-entrant: tasks run on commit by the immediate backend
            pass
        thread = threading.Thread(target=other_writer)
        thread.start()
        time.sleep(0.3)
        order.append("first")
    thread.join(timeout=10)
    assert order == ["first", "other"]
