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


@task
def deliver_message(message_id: int) -> str | None:
    """Send one queued outgoing message to Instagram (webhooks.delivery). Django's Tasks framework
    retries nothing by itself: a transient refusal schedules the next attempt here, with backoff
    (or, on a backend that cannot defer, leaves it to the sweeper)."""
    from .delivery import send

    retry_at = send(message_id)
    if retry_at is not None:
        enqueue_delivery(message_id, run_after=retry_at)
    return retry_at.isoformat() if retry_at else None


def enqueue_delivery(message_id: int, *, run_after=None) -> None:
    if run_after is None:
        deliver_message.enqueue(message_id)
    elif deliver_message.get_backend().supports_defer:
        deliver_message.using(run_after=run_after).enqueue(message_id)
    # else: the sweeper enqueues it once the retry is due (crm.delivery.deliveries_sweep).
