"""Retention of background task results: django-tasks-db's own prune command, when it is the
backend (the only one that keeps results)."""

from datetime import timedelta

from django.core.management import call_command
from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult


def task_results_prune(*, older_than_days: int) -> int:
    """Delete the finished (successful or failed) task results older than this; how many.

    Results still ready or running are work in progress and stay, whatever their age.
    """
    if not isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend):
        return 0
    old = DBTaskResult.objects.finished().filter(finished_at__lte=timezone.now() - timedelta(days=older_than_days))
    count = old.count()
    if count:  # the usual daily run finds nothing new: no write
        call_command("prune_db_task_results", min_age_days=older_than_days, queue_name="*", verbosity=0)
    return count
