"""The sweeper re-enqueues only what is really lost: an event remembers its task, and a pending
event whose task is still queued (a backlog: the workers are behind) is left to that task."""

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.webhooks.conftest import ACCOUNT_ID, load
from webhooks.choices import EventStatus
from webhooks.intake import parse_delivery
from webhooks.models import WebhookEvent
from webhooks.services import events_store, events_sweep

BACKLOG = 40


@pytest.fixture
def db_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def backlog(size: int = BACKLOG) -> list[WebhookEvent]:
    """`size` DMs stored with their tasks (as the intake stores them), none run yet."""
    template = load("messaging")
    item = template["entry"][0]["messaging"][0]
    items = [
        {**item, "sender": {"id": f"9000{n}"}, "message": {**item["message"], "mid": f"backlog-{n}"}}
        for n in range(size)
    ]
    data = {"object": "instagram", "entry": [{"id": ACCOUNT_ID, "time": 1735732800, "messaging": items}]}
    ids = events_store(drafts=parse_delivery(json.dumps(data).encode()))
    return list(WebhookEvent.objects.filter(pk__in=ids).order_by("id"))


def tasks_per_event() -> dict[int, int]:
    counts: dict[int, int] = {}
    for args_kwargs in DBTaskResult.objects.values_list("args_kwargs", flat=True):
        event_id = args_kwargs["args"][0]
        counts[event_id] = counts.get(event_id, 0) + 1
    return counts


@pytest.mark.django_db(transaction=True)
def test_a_backlog_longer_than_the_grace_ends_with_one_task_per_event(db_tasks, account, settings):
    events = backlog()
    grace = timedelta(seconds=settings.WEBHOOK_PENDING_GRACE_SECONDS)
    assert {e.task_result_id for e in events} == {str(pk) for pk in DBTaskResult.objects.values_list("pk", flat=True)}
    # The workers are behind for ten grace periods; the sweeper runs all along.
    now = timezone.now()
    for step in range(1, 11):
        swept = events_sweep(now=now + step * grace + timedelta(seconds=1))
        assert swept["lost_enqueue"] == 0, step
    assert tasks_per_event() == {e.pk: 1 for e in events}
    # The worker catches up: every event processed, still one task each, nothing left to sweep.
    call_command("db_worker", queue_name="*", batch=True, startup_delay=False, interval=0, verbosity=0)
    assert set(WebhookEvent.objects.values_list("status", flat=True)) == {EventStatus.PROCESSED}
    assert tasks_per_event() == {e.pk: 1 for e in events}
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    assert sum(events_sweep(now=now + 20 * grace).values()) == 0


@pytest.mark.django_db
def test_a_pending_event_whose_task_is_gone_is_re_enqueued_once(db_tasks, account, settings):
    lost, waiting, ran_and_failed = backlog(3)
    DBTaskResult.objects.filter(pk=lost.task_result_id).delete()  # e.g. a task row lost with a restore
    DBTaskResult.objects.filter(pk=ran_and_failed.task_result_id).update(status="FAILED", finished_at=timezone.now())
    later = timezone.now() + timedelta(seconds=settings.WEBHOOK_PENDING_GRACE_SECONDS + 1)
    assert events_sweep(now=later)["lost_enqueue"] == 2
    assert tasks_per_event() == {lost.pk: 1, waiting.pk: 1, ran_and_failed.pk: 2}
    for event in (lost, ran_and_failed):
        event.refresh_from_db()
        assert DBTaskResult.objects.get(pk=event.task_result_id).status == "READY"  # the new task
    # The next sweep, even a grace later, finds the new tasks queued: nothing twice.
    assert events_sweep(now=later + timedelta(seconds=settings.WEBHOOK_PENDING_GRACE_SECONDS + 1))["lost_enqueue"] == 0


@pytest.mark.django_db
def test_a_task_running_longer_than_the_lease_died_with_its_worker(db_tasks, account, settings):
    (event,) = backlog(1)
    now = timezone.now()
    lease = timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS)
    # A worker took the task and died before it claimed the event: the row stays RUNNING.
    DBTaskResult.objects.filter(pk=event.task_result_id).update(status="RUNNING", started_at=now)
    grace = timedelta(seconds=settings.WEBHOOK_PENDING_GRACE_SECONDS + 1)
    assert events_sweep(now=now + grace)["lost_enqueue"] == 0  # still young: it may be running
    swept = events_sweep(now=now + lease + grace + grace)
    assert (swept["lost_enqueue"], swept["abandoned_results"]) == (1, 1)
    assert tasks_per_event() == {event.pk: 2}


@pytest.mark.django_db
def test_without_the_database_backend_a_pending_event_past_the_grace_is_lost(
    account, settings, django_capture_on_commit_callbacks
):
    """Other backends keep no rows: the sweeper cannot see a queue and re-enqueues after the grace."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    with django_capture_on_commit_callbacks(execute=True):  # these enqueue after the commit
        (event,) = backlog(1)
    event.refresh_from_db()
    assert event.task_result_id  # remembered whatever the backend
    later = timezone.now() + timedelta(seconds=settings.WEBHOOK_PENDING_GRACE_SECONDS + 1)
    assert events_sweep(now=later)["lost_enqueue"] == 1
