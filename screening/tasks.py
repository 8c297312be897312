"""Background work of the screening app (Django's Tasks framework)."""

from django.tasks import task

from core.observability.context import accept_request_id, bound

from .services import screening_files_purge_expired


@task
def purge_expired_screening_files(request_id: str | None = None) -> int:
    """The retention sweep as a task, for deployments that schedule tasks instead of cron.

    `request_id`: the id of the request that enqueued it (a new one when none did), on every log
    line of the run.
    """
    with bound(request_id=accept_request_id(request_id)):
        return screening_files_purge_expired()
