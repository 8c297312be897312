"""Retention: finished webhook events and task results are deleted after their windows, daily by
the sweeper and on demand by `manage.py apply_retention`; work in progress never is."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import checks
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from core.tasks import task_results_prune
from tests.factories import FanFactory, WebhookEventFactory
from webhooks.choices import EventStatus
from webhooks.management.commands import sweep_webhooks
from webhooks.models import WebhookEvent, WebhookEventFan
from webhooks.retention import events_purge_expired, retention_apply

pytestmark = pytest.mark.django_db


def aged(status: str, days: float, **fields) -> WebhookEvent:
    event = WebhookEventFactory(status=status, **fields)
    WebhookEvent.objects.filter(pk=event.pk).update(received_at=timezone.now() - timedelta(days=days))
    return event


def result(status: str, finished_days_ago: float | None) -> DBTaskResult:
    now = timezone.now()
    finished = None if finished_days_ago is None else now - timedelta(days=finished_days_ago)
    return DBTaskResult.objects.create(
        status=status, args_kwargs={"args": [1], "kwargs": {}}, task_path="webhooks.tasks.process_event",
        backend_name="default", run_after=now, finished_at=finished,
    )


def test_finished_events_older_than_the_window_are_deleted_work_in_progress_never(settings):
    settings.WEBHOOK_EVENT_RETENTION_DAYS = 30
    expired = [aged(status, 31) for status in (EventStatus.PROCESSED, EventStatus.IGNORED, EventStatus.DEAD, EventStatus.ERASED)]
    kept = [aged(status, 31) for status in (EventStatus.PENDING, EventStatus.PROCESSING, EventStatus.FAILED)]
    kept += [aged(EventStatus.PROCESSED, 29)]
    WebhookEventFan.objects.create(event=expired[0], fan=FanFactory())
    assert events_purge_expired() == 4
    assert set(WebhookEvent.objects.values_list("pk", flat=True)) == {e.pk for e in kept}
    assert not WebhookEventFan.objects.exists()  # links go with their events
    assert events_purge_expired() == 0


def test_purging_goes_in_chunks(settings, monkeypatch):
    from webhooks import retention

    monkeypatch.setattr(retention, "CHUNK", 2)
    for _ in range(5):
        aged(EventStatus.PROCESSED, 40)
    assert events_purge_expired() == 5 and not WebhookEvent.objects.exists()


def test_finished_task_results_are_pruned_by_django_tasks_db(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.TASK_RESULT_RETENTION_DAYS = 14
    old = [result("SUCCESSFUL", 15), result("FAILED", 15)]
    kept = [result("SUCCESSFUL", 13), result("READY", None), result("RUNNING", None)]
    assert task_results_prune(older_than_days=14) == len(old)
    assert set(DBTaskResult.objects.values_list("pk", flat=True)) == {r.pk for r in kept}


def test_without_the_database_backend_there_are_no_results_to_prune(settings):
    result("SUCCESSFUL", 400)  # left by an earlier backend: not ours to judge now
    assert task_results_prune(older_than_days=14) == 0


def test_the_command_applies_both_windows(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    aged(EventStatus.PROCESSED, 31)
    result("SUCCESSFUL", 15)
    out = StringIO()
    call_command("apply_retention", stdout=out)
    assert out.getvalue().strip() == "deleted webhook_events=1 task_results=1 live_feed_events=0 chats=0"
    assert not WebhookEvent.objects.exists() and not DBTaskResult.objects.exists()


def test_the_sweeper_applies_retention_at_start_and_then_daily(monkeypatch):
    """`sweep_webhooks --forever` runs retention when it starts, then once every 24 hours."""
    calls, clock = [], {"now": 1000.0}
    command = sweep_webhooks.Command(stdout=StringIO())
    monkeypatch.setattr(sweep_webhooks, "retention_apply", lambda: calls.append(clock["now"]) or {"webhook_events": 0})
    monkeypatch.setattr(sweep_webhooks.time, "monotonic", lambda: clock["now"])
    monkeypatch.setattr(sweep_webhooks.time, "sleep", lambda seconds: clock.update(now=clock["now"] + seconds))
    monkeypatch.setattr(sweep_webhooks.signal, "signal", lambda *args: None)
    sweeps = []

    def sweep():
        sweeps.append(clock["now"])
        clock["now"] += 6 * 3600  # each round "takes" six hours
        if len(sweeps) == 9:
            command.running = False
        return {}

    monkeypatch.setattr(sweep_webhooks, "events_sweep", sweep)
    command.handle(forever=True, interval=0.01, verbosity=1)
    # Started at 1000 s; rounds at +0, +6 h, … +48 h: retention at start, after 24 h and 48 h.
    assert [round((at - 1000.0) / 3600) for at in calls] == [0, 24, 48]


def test_the_sweeper_survives_a_failing_retention_run(monkeypatch):
    command = sweep_webhooks.Command(stdout=StringIO())

    def broken():
        raise RuntimeError("database restarting")

    monkeypatch.setattr(sweep_webhooks, "retention_apply", broken)
    command._apply_retention()  # logged, not raised


@pytest.mark.parametrize(
    ("event_days", "result_days", "errors"),
    [(30, 14, []), (2, 0, []), (1, 14, ["webhooks.E001"]), (30, -1, ["webhooks.E002"])],
)
def test_the_windows_are_checked(settings, event_days, result_days, errors):
    settings.WEBHOOK_EVENT_RETENTION_DAYS = event_days
    settings.TASK_RESULT_RETENTION_DAYS = result_days
    found = [m.id for m in checks.run_checks() if m.id.startswith("webhooks.")]
    assert found == errors


def test_retention_apply_reports_both(settings):
    assert retention_apply() == {"webhook_events": 0, "task_results": 0, "live_feed_events": 0, "chats": 0}
