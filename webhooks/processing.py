"""Processing one stored event: claim it under a lease, handle it, finish it or record the failure.

The attempt number taken at the claim fences the finish: a worker whose lease was taken over
cannot commit its work. The task (webhooks.tasks.process_event) calls `event_process`.
"""

import logging
import traceback
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from core.observability import metrics
from core.observability.context import bound, current_request_id

from . import handlers
from .choices import EventStatus
from .models import WebhookEvent, WebhookEventFan
from .sqlite_turns import write_turn

logger = logging.getLogger("webhooks")


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff after the n-th failed attempt: base * 2^(n-1), capped."""
    base, cap = settings.WEBHOOK_RETRY_BASE_SECONDS, settings.WEBHOOK_RETRY_MAX_SECONDS
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def event_claim(*, event_id: int, now: datetime | None = None) -> int | None:
    """Take the event for processing; the attempt number (the fencing token), or None if not ours.

    One conditional UPDATE: only a pending event, or a failed one whose retry is due, can be
    claimed; an event being processed under a live lease, or already finished, is left alone.
    """
    now = now or timezone.now()
    claimable = Q(status=EventStatus.PENDING) | Q(status=EventStatus.FAILED, next_attempt_at__lte=now)
    claimed = WebhookEvent.objects.filter(claimable, pk=event_id).update(
        status=EventStatus.PROCESSING,
        lease_expires_at=now + timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS),
        attempts=F("attempts") + 1,
        next_attempt_at=None,
    )
    if not claimed:
        return None
    attempt = WebhookEvent.objects.values_list("attempts", flat=True).get(pk=event_id)
    logger.info("Webhook event %s claimed, attempt %s", event_id, attempt, extra={"event_id": event_id, "attempt": attempt})
    return attempt


class LeaseLost(Exception):
    """The event was taken away (lease taken over, ignored by staff) while this attempt ran."""


def _held(event_id: int, token: int) -> QuerySet:
    return WebhookEvent.objects.filter(pk=event_id, status=EventStatus.PROCESSING, attempts=token)


def event_process(*, event_id: int) -> str | None:
    """Claim, handle and finish one event; the resulting status, or None when there was nothing to do."""
    # The creator, once dispatch resolves it, is named on this attempt's log lines only.
    with bound(request_id=current_request_id()):
        return _process(event_id)


def _process(event_id: int) -> str | None:
    token = event_claim(event_id=event_id)
    if token is None:
        return None
    try:
        with write_turn(), transaction.atomic():
            # Lock the row: the finish below must be the one that commits this attempt's work.
            event = _held(event_id, token).select_for_update(of=("self",)).select_related("creator").first()
            if event is None:
                return None  # staff ignored it, or the lease was taken over
            outcome = handlers.dispatch(event)
            WebhookEventFan.objects.bulk_create(
                [WebhookEventFan(event_id=event_id, fan=fan) for fan in outcome.fans], ignore_conflicts=True
            )
            finished = _held(event_id, token).update(
                status=outcome.status,
                creator=event.creator,
                ignored_reason=outcome.reason,
                last_error=outcome.note,
                lease_expires_at=None,
                next_attempt_at=None,
                processed_at=timezone.now(),
            )
            if not finished:
                raise LeaseLost  # rolls back this attempt's work
        _finished(event, token, outcome.status)
        return outcome.status
    except LeaseLost:
        logger.warning("Webhook event %s attempt %s lost its lease; its work was rolled back", event_id, token)
        return None
    except Exception as exc:
        return _record_failure(event_id=event_id, token=token, exc=exc)


def _finished(event: WebhookEvent, token: int, status: str) -> None:
    metrics.WEBHOOK_EVENTS.labels(status=status).inc()
    metrics.WEBHOOK_LATENCY.labels(status=status).observe((timezone.now() - event.received_at).total_seconds())
    logger.info(
        "Webhook event %s %s",
        event.pk,
        status,
        extra={"event_id": event.pk, "event_type": event.event_type, "attempt": token, "outcome": status},
    )


def _record_failure(*, event_id: int, token: int, exc: Exception) -> str | None:
    now = timezone.now()
    error = "".join(traceback.format_exception(exc))[-4000:]
    dead = token >= settings.WEBHOOK_MAX_ATTEMPTS
    status = EventStatus.DEAD if dead else EventStatus.FAILED
    updated = _held(event_id, token).update(
        status=status,
        last_error=error,
        lease_expires_at=None,
        next_attempt_at=None if dead else now + retry_delay(token),
    )
    # The class only: an exception's text may quote what the platform sent (the traceback is kept
    # on the event, for staff).
    logger.warning(
        "Webhook event %s attempt %s failed (%s): %s",
        event_id,
        token,
        status,
        type(exc).__name__,
        extra={"event_id": event_id, "attempt": token, "outcome": status},
    )
    if updated:
        metrics.WEBHOOK_EVENTS.labels(status=status).inc()
        if dead:
            received_at = WebhookEvent.objects.filter(pk=event_id).values_list("received_at", flat=True).first()
            if received_at:
                metrics.WEBHOOK_LATENCY.labels(status=status).observe((now - received_at).total_seconds())
    return status if updated else None
