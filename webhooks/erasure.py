"""Erasure of a deleted fan's traces in the event store (run inside crm's fan_delete transaction,
through the `fan_deleting` signal; see webhooks.receivers).

An event that carried the fan's data becomes a tombstone: its payload, the party id and any
error text are emptied and its status is `erased`; its external id (a dedupe key made of Meta's
comment or message id, or a hash) and its account stay, so a redelivery is still recognised as
seen and stores nothing, and nothing can process the event again (claims, the sweeper, replay and
ignore all pass tombstones by). The task results of those events go too.
"""

from django.db.models import Q
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from crm.choices import Platform
from crm.models import Fan, PlatformAccount

from .choices import EventStatus, Provider
from .models import WebhookEvent
from .tasks import process_event

CHUNK = 500


def _events_about(fan: Fan) -> list[int]:
    """The fan's events: those processed into them (the links recorded at processing time), and,
    by the party id read at intake, those not processed into them (yet): still pending, failed,
    ignored (a read receipt, a reaction, no connected account)."""
    about = Q(fan_links__fan=fan)
    if fan.platform == Platform.INSTAGRAM and fan.platform_id:
        accounts = PlatformAccount.objects.filter(creator_id=fan.creator_id, platform=Platform.INSTAGRAM)
        about |= Q(provider=Provider.INSTAGRAM, party_id=fan.platform_id) & (
            Q(creator_id=fan.creator_id) | Q(account_id__in=accounts.values("external_account_id"))
        )
    return list(WebhookEvent.objects.filter(about).exclude(status=EventStatus.ERASED).values_list("id", flat=True).distinct())


def events_erase_for_fan(*, fan: Fan) -> int:
    """Tombstone every event about the fan and delete their task results; how many events."""
    event_ids = _events_about(fan)
    for start in range(0, len(event_ids), CHUNK):
        chunk = event_ids[start : start + CHUNK]
        WebhookEvent.objects.filter(pk__in=chunk).update(
            status=EventStatus.ERASED,
            payload={},
            party_id="",
            last_error="",
            ignored_reason="",
            lease_expires_at=None,
            next_attempt_at=None,
            task_result_id="",
        )
        # A running task's row is its worker's to finish (it finds a tombstone and does nothing;
        # its result carries only the event id and goes with TASK_RESULT_RETENTION_DAYS).
        DBTaskResult.objects.filter(task_path=process_event.module_path, args_kwargs__args__0__in=chunk).exclude(
            status=TaskResultStatus.RUNNING
        ).delete()
    return len(event_ids)
