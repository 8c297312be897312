"""The event store's writes: intake, enqueueing, sweeping, replay (processing: webhooks.processing).

Life of an event: `pending` (stored, task enqueued after commit) → `processing` (claimed with a
lease; `attempts` + 1) → `processed` / `ignored`, or on an exception `failed` with a retry time,
and `dead` after WEBHOOK_MAX_ATTEMPTS. The attempt number taken at the claim fences the finish:
a worker whose lease was taken over cannot commit its work.
"""

import contextlib
import logging
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.tasks import TaskResultStatus, task_backends
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from core.observability import metrics
from core.observability.context import current_request_id, task_request_id
from crm.choices import Platform
from crm.models import PlatformAccount

from .choices import EventStatus, IgnoredReason, Provider
from .intake import EventDraft
from .models import WebhookEvent
from .sqlite_turns import write_turn
from .tasks import process_event

logger = logging.getLogger("webhooks")

# SQLite accepts at most 32,766 parameters per statement; stay far below for `IN` lists.
CHUNK = 500
LEASE_EXPIRED = "Lease expired: the worker stopped or hung mid-event"
WORKER_LOST = (
    "The worker stopped or hung before this task finished (its run outlived the event's lease). "
    "The sweeper re-enqueued the event; see its own status in the webhook events admin."
)


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _grace(now: datetime) -> datetime:
    """When the sweeper will re-enqueue a pending event whose task never ran (a lost enqueue)."""
    return now + timedelta(seconds=settings.WEBHOOK_PENDING_GRACE_SECONDS)


# --- Enqueueing ----------------------------------------------------------------------------


def events_enqueue(event_ids: Iterable[int]) -> None:
    """One task per event, written in one transaction (one commit for a 1,000-change delivery).

    Each task carries the id of the request that enqueues it (the delivery, a staff replay); the
    sweeper has none, and the task then takes the delivery's own from the event.
    Each event remembers its task's id (one UPDATE per 500 events), so the sweeper can tell an
    event whose task is still queued from one whose enqueue was lost.
    """
    event_ids = list(event_ids)
    if not event_ids:
        return
    with transaction.atomic():
        tasks = [
            WebhookEvent(pk=event_id, task_result_id=process_event.enqueue(event_id, **task_request_id()).id)
            for event_id in event_ids
        ]
        WebhookEvent.objects.bulk_update(tasks, ["task_result_id"], batch_size=CHUNK)


def _enqueue_after_commit(event_ids: list[int]) -> None:
    """Tasks that run only once the events are committed.

    With the database task backend the task rows are written in the events' own transaction
    (an outbox): they become visible to workers at the same commit, and there is no moment in
    which an event is stored without its task. Any other backend could run a task before the
    commit, so it is enqueued on commit instead, robustly: a failed enqueue must not turn a stored
    delivery into an error; the events stay pending and the sweeper enqueues them after the grace.
    """
    if not event_ids:
        return
    if isinstance(task_backends[process_event.backend], DatabaseBackend):
        events_enqueue(event_ids)
    else:
        transaction.on_commit(lambda: events_enqueue(event_ids), robust=True)


# --- Intake --------------------------------------------------------------------------------


def _insert_new(rows: list[WebhookEvent]) -> list[int]:
    """Store the rows that are new in one statement and return their ids; seen ones are skipped.

    INSERT … ON CONFLICT (external_id) DO NOTHING RETURNING id (SQLite ≥ 3.35, PostgreSQL), with
    each row's creator looked up in the same statement from its connected account. bulk_create
    cannot do this: with ignore_conflicts it returns no ids, and telling new events from seen
    ones plus routing them would cost three more queries on the hot path.
    """
    connection = transaction.get_connection()
    qn = connection.ops.quote_name
    accounts, events = PlatformAccount._meta, WebhookEvent._meta
    # Identifiers come from model metadata; every value is a query parameter.
    creator_sql = (
        f"(SELECT {qn(accounts.get_field('creator').column)} FROM {qn(accounts.db_table)} "  # noqa: S608
        f"WHERE {qn(accounts.get_field('platform').column)} = %s "
        f"AND {qn(accounts.get_field('external_account_id').column)} = %s)"
    )
    fields = [f for f in events.concrete_fields if not f.primary_key]
    row_sql = "(" + ", ".join(creator_sql if f.name == "creator" else "%s" for f in fields) + ")"
    sql = (
        f"INSERT INTO {qn(events.db_table)} ({', '.join(qn(f.column) for f in fields)}) "  # noqa: S608
        f"VALUES {', '.join([row_sql] * len(rows))} "
        f"ON CONFLICT ({qn(events.get_field('external_id').column)}) DO NOTHING RETURNING {qn(events.pk.column)}"
    )
    params = []
    for row in rows:
        for f in fields:
            if f.name == "creator":
                params += [Platform.INSTAGRAM.value, row.account_id]
            else:
                params.append(f.get_db_prep_save(f.pre_save(row, True), connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def events_store(*, drafts: list[EventDraft]) -> list[int]:
    """Store a delivery's new events in one transaction and enqueue them; the ids of the new ones.

    Events seen before (same dedupe key) are skipped, so a repeated delivery stores and enqueues
    nothing. Each event's creator is resolved here when its account is connected.
    """
    if not drafts:
        return []
    grace = _grace(timezone.now())
    rows = [
        WebhookEvent(
            provider=Provider.INSTAGRAM,
            event_type=d.event_type,
            external_id=d.external_id,
            account_id=d.account_id,
            payload=d.payload,
            party_id=d.party_id,
            next_attempt_at=grace,
            request_id=current_request_id() or "",
        )
        for d in drafts
    ]
    with write_turn(), transaction.atomic():
        ids = []
        for chunk in _chunks(rows):
            ids.extend(_insert_new(chunk))
        _enqueue_after_commit(ids)
    if ids:
        metrics.WEBHOOK_EVENTS.labels(status="received").inc(len(ids))
        logger.info("Webhook delivery stored %s new event(s) of %s", len(ids), len(drafts), extra={"counts": {"new": len(ids), "changes": len(drafts)}})
    return ids


class WorkerLost(Exception):
    """Recorded (never raised) on a task result whose worker died mid-run; see events_sweep."""


# --- Sweeping ------------------------------------------------------------------------------


def _move(candidates: QuerySet, *, limit: int | None = None, **changes) -> list[int]:
    """Apply `changes` to (up to `limit`) candidate events and return the ids that moved.

    The candidates are locked first, skipping rows a running worker holds (PostgreSQL: FOR UPDATE
    SKIP LOCKED), so a hung worker cannot stall the sweeper and no row is moved from under the
    transaction that is processing it. SQLite serialises the whole transaction instead.
    """
    if not candidates.exists():
        return []  # the usual sweep: a read, no write lock taken (SQLite has only one)
    with transaction.atomic():
        locked = candidates.select_for_update(skip_locked=True).values_list("id", flat=True)
        ids = list(locked[:limit] if limit else locked)
        for chunk in _chunks(ids):
            WebhookEvent.objects.filter(pk__in=chunk).update(**changes)
    return ids


def _to_pending(candidates: QuerySet, now: datetime, *, limit: int | None = None, **changes) -> list[int]:
    # next_attempt_at: when the sweeper looks again if the task never runs (lost enqueue).
    return _move(candidates, limit=limit, status=EventStatus.PENDING, next_attempt_at=_grace(now), **changes)


def _ignored_for_connected_account() -> QuerySet:
    connected = PlatformAccount.objects.filter(
        platform=Platform.INSTAGRAM, external_account_id=OuterRef("account_id")
    )
    return WebhookEvent.objects.filter(
        Exists(connected),
        provider=Provider.INSTAGRAM,
        status=EventStatus.IGNORED,
        ignored_reason=IgnoredReason.NO_ACCOUNT,
    )


def _tasks_still_queued(candidates: list[tuple[int, str]], now: datetime) -> set[str]:
    """Which of these task ids the database task backend still holds for a worker: ready, or
    running for less than a lease (a run older than that died with its worker).

    Another backend keeps no rows to ask, so there every pending event past the grace counts as
    lost (an immediate or external backend has run or dropped its task by then).
    """
    if not isinstance(task_backends[process_event.backend], DatabaseBackend):
        return set()
    ids = []
    for _event_id, task_id in candidates:
        # An empty id, or one of another backend, has nothing queued here.
        with contextlib.suppress(ValueError):
            ids.append(uuid.UUID(task_id))
    alive_since = now - timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS)
    queued = set()
    for chunk in _chunks(ids):
        queued |= {
            str(pk)
            for pk in DBTaskResult.objects.filter(pk__in=chunk)
            .filter(Q(status=TaskResultStatus.READY) | Q(status=TaskResultStatus.RUNNING, started_at__gte=alive_since))
            .values_list("pk", flat=True)
        }
    return queued


def _lost_enqueues(stale: QuerySet, now: datetime, limit: int) -> list[int]:
    """Of the pending events past their grace, the ids whose task is gone. Those whose task is
    still queued (a backlog: the workers are behind) are left to it and looked at again after
    another grace, so a backlog never gets a second task per event."""
    candidates = list(stale.order_by("next_attempt_at", "id").values_list("id", "task_result_id")[:limit])
    queued = _tasks_still_queued(candidates, now)
    waiting = [event_id for event_id, task_id in candidates if task_id in queued]
    for chunk in _chunks(waiting):
        WebhookEvent.objects.filter(pk__in=chunk, status=EventStatus.PENDING).update(next_attempt_at=_grace(now))
    return [event_id for event_id, task_id in candidates if task_id not in queued]


def events_sweep(*, now: datetime | None = None, limit: int = 1000) -> dict[str, int]:
    """Re-enqueue what no worker will otherwise touch again. Safe to run from several processes.

    - `processing` whose lease expired: the worker died mid-event (its work was rolled back with
      its transaction); retried at once, or `dead` when it had used its last attempt;
    - `failed` whose retry is due;
    - `pending` past the grace period whose task is no longer queued: the enqueue after commit
      was lost, or its task ran and failed before claiming the event;
    - `ignored` for want of an account that is connected now (closes the race with the
      connect-time replay).
    """
    now = now or timezone.now()
    expired = WebhookEvent.objects.filter(status=EventStatus.PROCESSING, lease_expires_at__lt=now)
    exhausted = _move(
        expired.filter(attempts__gte=settings.WEBHOOK_MAX_ATTEMPTS),
        limit=limit,
        status=EventStatus.DEAD,
        lease_expires_at=None,
        last_error=LEASE_EXPIRED,
    )
    stale_before = now - timedelta(seconds=settings.WEBHOOK_PENDING_GRACE_SECONDS)
    stale = WebhookEvent.objects.filter(status=EventStatus.PENDING).filter(
        Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True, received_at__lte=stale_before)
    )
    due = WebhookEvent.objects.filter(status=EventStatus.FAILED, next_attempt_at__lte=now)

    if exhausted:
        metrics.WEBHOOK_EVENTS.labels(status=EventStatus.DEAD).inc(len(exhausted))
    moved = {
        "lease_expired": _to_pending(expired, now, limit=limit, lease_expires_at=None, last_error=LEASE_EXPIRED),
        "retry_due": _to_pending(due, now, limit=limit),
        "lost_enqueue": _to_pending(stale.filter(pk__in=_lost_enqueues(stale, now, limit)), now),
        "account_connected": _to_pending(
            _ignored_for_connected_account(), now, limit=limit, attempts=0, ignored_reason="", last_error=""
        ),
    }
    for ids in moved.values():
        events_enqueue(ids)
    return {
        "dead": len(exhausted),
        **{name: len(ids) for name, ids in moved.items()},
        # Only a sweep that found a dead worker's trace looks (an expired lease, or a pending event
        # whose task stopped running): the results table has no index for it.
        "abandoned_results": (
            _close_abandoned_results(now) if exhausted or moved["lease_expired"] or moved["lost_enqueue"] else 0
        ),
    }


def _close_abandoned_results(now: datetime) -> int:
    """Mark `failed` the task results of event tasks whose worker died mid-run.

    django-tasks-db leaves such a result `RUNNING` for ever. A run older than the lease has lost
    its event to the sweeper anyway, so its result is closed with what happened; if the worker
    was only hung and finishes after all, django-tasks-db records that instead. Called when the
    sweep moved an event whose lease expired (a run that died then is older than the lease).
    """
    abandoned = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING,
        task_path=process_event.module_path,
        started_at__lt=now - timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS),
    )
    if not abandoned.exists():
        return 0  # the usual sweep: a read, no write lock taken (as in _move)
    return abandoned.update(
        status=TaskResultStatus.FAILED,
        finished_at=now,
        exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
        traceback=WORKER_LOST,
        return_value=None,
    )


# --- Replay and ignore (admin, account connection) -----------------------------------------


@transaction.atomic
def events_replay(*, event_ids: Iterable[int], now: datetime | None = None) -> int:
    """Reset events to pending with fresh attempts and enqueue them; replay changes nothing twice.

    Events being processed under a live lease are skipped (their worker is still at it).
    """
    now = now or timezone.now()
    # Tombstones are never processed again: their fan was erased and must not come back.
    candidates = WebhookEvent.objects.exclude(status=EventStatus.PROCESSING, lease_expires_at__gte=now).exclude(
        status=EventStatus.ERASED
    )
    moved = []
    for chunk in _chunks(list(event_ids)):
        moved += _to_pending(
            candidates.filter(pk__in=chunk),
            now,
            attempts=0,
            lease_expires_at=None,
            last_error="",
            ignored_reason="",
            processed_at=None,
        )
    _enqueue_after_commit(moved)
    return len(moved)


@transaction.atomic
def events_ignore(*, event_ids: Iterable[int]) -> int:
    """Staff decide an event is not to be processed (processed and erased events are left as they are)."""
    return (
        WebhookEvent.objects.filter(pk__in=list(event_ids))
        .exclude(status__in=(EventStatus.PROCESSED, EventStatus.ERASED))
        .update(
            status=EventStatus.IGNORED,
            ignored_reason=IgnoredReason.STAFF,
            last_error="Ignored by staff",
            lease_expires_at=None,
            next_attempt_at=None,
        )
    )


@transaction.atomic
def events_replay_for_account(*, account: PlatformAccount) -> int:
    """After an account connects: its events kept as `ignored` (no account) go back to pending."""
    if account.platform != Platform.INSTAGRAM:
        return 0
    of_account = WebhookEvent.objects.filter(provider=Provider.INSTAGRAM, account_id=account.external_account_id)
    # Still-pending events of the account get their creator now too (they resolve it anyway).
    of_account.filter(status=EventStatus.PENDING, creator__isnull=True).update(creator=account.creator_id)
    candidates = of_account.filter(status=EventStatus.IGNORED, ignored_reason=IgnoredReason.NO_ACCOUNT)
    moved = _to_pending(
        candidates, timezone.now(), creator=account.creator_id, attempts=0, ignored_reason="", last_error=""
    )
    _enqueue_after_commit(moved)
    return len(moved)
