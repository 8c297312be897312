"""Background work of the screening app (Django's Tasks framework)."""

from django.tasks import task

from .services import screening_files_purge_expired


@task
def purge_expired_screening_files() -> int:
    """The retention sweep as a task, for deployments that schedule tasks instead of cron."""
    return screening_files_purge_expired()
