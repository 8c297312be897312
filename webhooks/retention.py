"""Retention: finished webhook events, task results, live feed events and idle visitor chats are
kept for a while, then deleted (chats: crm.chat.chats_purge_expired, CHAT_RETENTION_DAYS).

Run once a day by the sweeper (`sweep_webhooks --forever`) and on demand by
`manage.py apply_retention`. Events still to process (pending, processing, failed) are never
deleted, however old. The window must outlast Meta's redeliveries (retried for up to 36 hours),
so a deleted event's dedupe key is never needed again (webhooks.checks holds it to 2 days).
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.live.feed import prune as live_feed_prune
from core.tasks import task_results_prune
from crm.chat import chats_purge_expired

from .choices import FINISHED_STATUSES
from .models import WebhookEvent
from .sqlite_turns import write_turn

CHUNK = 500


def events_purge_expired(*, now: datetime | None = None, retention_days: int | None = None) -> int:
    """Delete processed, ignored, dead and erased events received more than the retention ago
    (their fan links go with them); how many. In chunks, each its own short transaction."""
    days = settings.WEBHOOK_EVENT_RETENTION_DAYS if retention_days is None else retention_days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    expired = WebhookEvent.objects.filter(status__in=FINISHED_STATUSES, received_at__lt=cutoff)
    deleted = 0
    while ids := list(expired.order_by("received_at", "id").values_list("id", flat=True)[:CHUNK]):
        with write_turn(), transaction.atomic():
            # The status again: an event replayed in the meantime is work once more.
            _total, per_model = WebhookEvent.objects.filter(pk__in=ids, status__in=FINISHED_STATUSES).delete()
        deleted += per_model.get(WebhookEvent._meta.label, 0)
    return deleted


def retention_apply(*, now: datetime | None = None) -> dict[str, int]:
    """Apply the retention windows; how many rows each deleted."""
    return {
        "webhook_events": events_purge_expired(now=now),
        "task_results": task_results_prune(older_than_days=settings.TASK_RESULT_RETENTION_DAYS),
        "live_feed_events": live_feed_prune(now=now),
        "chats": chats_purge_expired(now=now),
    }
