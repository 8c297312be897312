"""Reads of the event store for the creator-facing pages."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count

from crm.models import Creator

from .choices import ACTIVITY_FIELDS, EventStatus
from .handlers import platform_time
from .intake import change_item_id, id_text
from .models import WebhookEvent

ACTIVITY_LIMIT_MAX = 100
# Statuses of events not finished yet (and `dead`, which waits for staff): the backlog /metrics shows.
BACKLOG_STATUSES = (EventStatus.PENDING, EventStatus.PROCESSING, EventStatus.FAILED, EventStatus.DEAD)


def event_request_id(*, event_id: int) -> str:
    """The X-Request-ID of the delivery that stored the event ("" when unknown or gone)."""
    return WebhookEvent.objects.filter(pk=event_id).values_list("request_id", flat=True).first() or ""


def event_backlog() -> dict[str, int]:
    """How many events are in each backlog status (the status index answers it)."""
    counts = dict(
        WebhookEvent.objects.filter(status__in=BACKLOG_STATUSES)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
    )
    return {status.value: counts.get(status.value, 0) for status in BACKLOG_STATUSES}


@dataclass(frozen=True)
class AccountActivity:
    """One mention or new media of a creator's connected Instagram account."""

    event_id: int
    kind: str  # "mentions" or "media" (the webhook field)
    account_id: str  # the Instagram account (PlatformAccount.external_account_id)
    item_id: str  # the media id (media), or the comment / media the mention is in (mentions)
    media_id: str  # the media concerned ("" when the payload names none)
    media_type: str  # IMAGE, VIDEO, CAROUSEL_ALBUM… for media; "" for mentions
    text: str  # the caption (media) or the mentioning text when Meta sends it; may be ""
    occurred_at: datetime  # Meta's entry time, else when we received it
    received_at: datetime


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def _activity(event: WebhookEvent) -> AccountActivity:
    value = event.payload.get("value") if isinstance(event.payload.get("value"), dict) else {}
    item_id = change_item_id(value) or ""
    if event.event_type == "media":
        media_id = id_text(value.get("id")) or ""
    else:
        media_id = id_text(value.get("media_id")) or ""
    return AccountActivity(
        event_id=event.pk,
        kind=event.event_type,
        account_id=event.account_id,
        item_id=item_id,
        media_id=media_id,
        media_type=_text(value.get("media_type")),
        text=_text(value.get("caption")) or _text(value.get("text")),
        occurred_at=platform_time(event.payload.get("entry_time"), event.received_at),
        received_at=event.received_at,
    )


def account_activity(creator: Creator, limit: int = 20) -> list[AccountActivity]:
    """The creator's latest mentions and new media, newest first (one query, at most 100 items)."""
    limit = max(1, min(int(limit), ACTIVITY_LIMIT_MAX))
    events = (
        WebhookEvent.objects.filter(
            creator=creator, event_type__in=ACTIVITY_FIELDS, status=EventStatus.PROCESSED
        )
        .only("id", "event_type", "account_id", "payload", "received_at")
        .order_by("-received_at", "-id")[:limit]
    )
    return [_activity(event) for event in events]
