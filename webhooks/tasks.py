"""Background work of the event store, run by `manage.py db_worker` (django-tasks-db)."""

from django.tasks import task

from core.observability.context import accept_request_id, bound

from .processing import event_process
from .selectors import event_request_id


@task
def process_event(event_id: int, request_id: str | None = None) -> str | None:
    """Process one stored webhook event; the task only carries its id (the row is the truth).

    `request_id` is the id of the request that enqueued it (none from the sweeper, or in tasks
    queued before it existed: then the delivery's own, stored on the event), bound to every log
    line of the run.
    """
    request_id = request_id or event_request_id(event_id=event_id)
    with bound(request_id=accept_request_id(request_id)):
        return event_process(event_id=event_id)
