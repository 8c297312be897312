"""Background work of the event store, run by `manage.py db_worker` (django-tasks-db)."""

from django.tasks import task

from .processing import event_process


@task
def process_event(event_id: int) -> str | None:
    """Process one stored webhook event; the task only carries its id (the row is the truth)."""
    return event_process(event_id=event_id)
