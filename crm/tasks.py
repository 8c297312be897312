"""Background work of campaigns (crm.campaigns), run by `manage.py db_worker` (django-tasks-db).
Each task carries an id only: the row is the truth, and every claim is conditional."""

from django.tasks import task


@task
def send_scheduled_message(scheduled_id: int) -> str:
    """At its time (`run_after`): the scheduled message becomes a Message, once."""
    from .campaigns import scheduled_message_send

    scheduled = scheduled_message_send(scheduled_id=scheduled_id)
    return f"message {scheduled.message_id}" if scheduled else "nothing to send"


@task
def run_mass_message(mass_id: int) -> str | None:
    """One throttled batch of a mass message, then the next batch enqueued at the pace."""
    from .campaigns import enqueue_run, mass_message_step

    next_at = mass_message_step(mass_id=mass_id)
    if next_at is not None:
        enqueue_run(mass_id, next_at)
    return next_at.isoformat() if next_at else None
