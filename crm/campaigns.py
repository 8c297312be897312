"""Campaigns: scheduled messages, segments and mass messages (docs/campaigns.md).

Every rule of them lives here, beside crm.services (which it uses for the messages themselves):
the pages, both APIs, the admin and the tasks call these functions.

At most once, for both kinds of deferred message: the row that waits (a ScheduledMessage, a
MassMessageRecipient) leaves its waiting state in the same transaction that creates its Message
through services.message_add, with a conditional UPDATE. A worker killed before the commit leaves
it waiting (sent later, once); after the commit the Message exists and the row says so. The
Message then goes through delivery (crm.delivery), at most once by its own rules.
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core.exceptions import InvalidInput, StorageUnavailable
from core.storage import store_upload
from core.uploads import ATTACHMENT_KINDS, CheckedUpload, check_upload

from . import delivery, saved_replies, selectors, services
from .choices import (
    DeliveryStatus,
    Direction,
    MassMessageStatus,
    Platform,
    RecipientStatus,
    ScheduledStatus,
    SkipReason,
)
from .filters import FanFilterSet
from .models import (
    ChatVisitor,
    Conversation,
    Creator,
    Fan,
    MassMessage,
    MassMessageRecipient,
    Message,
    ScheduledMessage,
    Segment,
)

logger = logging.getLogger("crm.campaigns")

MAX_SCHEDULE_AHEAD = timedelta(days=365)
INSTAGRAM_WINDOW = timedelta(hours=24)
# Parameters of FanFilterSet a segment may save: never the free-text search, which may hold a
# fan's name or email (a segment names no fan; erasure has nothing to find in it).
SEGMENT_FILTERS = tuple(name for name in FanFilterSet.base_filters if name != "q")
SEGMENT_NAME_MAX = 100


# --- send_at --------------------------------------------------------------------------------


def parse_send_at_iso(value) -> datetime:
    """`send_at` in the APIs: ISO 8601 with a time zone (`2026-12-24T19:00:00+01:00` or `…Z`)."""
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None or parsed.tzinfo is None:
        raise InvalidInput("Invalid send_at: use ISO 8601 with a time zone, e.g. 2026-12-24T19:00:00+01:00", field="send_at")
    return parsed


def check_send_at(send_at: datetime, *, now: datetime | None = None) -> datetime:
    now = now or timezone.now()
    if send_at <= now:
        raise InvalidInput("send_at is in the past: choose a time to come", field="send_at")
    if send_at > now + MAX_SCHEDULE_AHEAD:
        raise InvalidInput("send_at is more than a year ahead", field="send_at")
    return send_at


# --- Scheduled messages ---------------------------------------------------------------------


def _check_scheduled_text(conversation: Conversation, text: str, price_cents: int) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidInput("Write the message", field="text")
    if price_cents:
        services.check_ppv_platform(conversation.platform)
    transport = delivery.transport_for(conversation.platform)
    if transport is not None and len(text) > transport.max_length:
        label = Platform(conversation.platform).label
        raise InvalidInput(f"A message on {label} holds at most {transport.max_length} characters", field="text")
    return text


def _price(price_cents) -> int:
    if isinstance(price_cents, bool) or not isinstance(price_cents, int) or price_cents < 0:
        raise InvalidInput("Invalid price_cents", field="price_cents")
    return price_cents


@transaction.atomic
def scheduled_message_create(
    *, conversation: Conversation, text: str, send_at: datetime, price_cents: int = 0, via: str = delivery.VIA_INBOX
) -> ScheduledMessage:
    price_cents = _price(price_cents)
    scheduled = ScheduledMessage.objects.create(
        creator_id=conversation.creator_id,
        conversation=conversation,
        fan_id=conversation.fan_id,
        text=_check_scheduled_text(conversation, text, price_cents),
        price_cents=price_cents,
        send_at=check_send_at(send_at),
        via=via,
    )
    _enqueue_scheduled_after_commit(scheduled)
    return scheduled


def _locked_waiting(scheduled: ScheduledMessage) -> ScheduledMessage:
    locked = ScheduledMessage.objects.select_for_update().select_related("conversation").get(pk=scheduled.pk)
    if locked.status != ScheduledStatus.SCHEDULED:
        raise InvalidInput(f"This message is {locked.get_status_display().lower()}: it can no longer be changed")
    return locked


@transaction.atomic
def scheduled_message_update(
    *, scheduled: ScheduledMessage, text: str | None = None, send_at: datetime | None = None, price_cents: int | None = None
) -> ScheduledMessage:
    locked = _locked_waiting(scheduled)
    if price_cents is not None:
        locked.price_cents = _price(price_cents)
    locked.text = _check_scheduled_text(locked.conversation, locked.text if text is None else text, locked.price_cents)
    if send_at is not None and send_at != locked.send_at:
        locked.send_at = check_send_at(send_at)
        # The task queued for the old time finds it not yet due and does nothing.
        _enqueue_scheduled_after_commit(locked)
    locked.save()
    return locked


@transaction.atomic
def scheduled_message_cancel(*, scheduled: ScheduledMessage) -> ScheduledMessage:
    locked = _locked_waiting(scheduled)
    locked.status = ScheduledStatus.CANCELLED
    locked.save(update_fields=["status", "updated_at"])
    return locked


def scheduled_message_send(*, scheduled_id: int, now: datetime | None = None) -> ScheduledMessage | None:
    """Turn a due scheduled message into a Message (created now), once. None when it is not due,
    or no longer waiting (sent, cancelled, gone)."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            claimed = ScheduledMessage.objects.filter(
                pk=scheduled_id, status=ScheduledStatus.SCHEDULED, send_at__lte=now
            ).update(status=ScheduledStatus.SENT, updated_at=now)
            if not claimed:
                return None
            scheduled = ScheduledMessage.objects.select_related("conversation").get(pk=scheduled_id)
            message = services.message_add(
                conversation=scheduled.conversation,
                direction=Direction.OUTGOING,
                text=scheduled.text,
                price_cents=scheduled.price_cents,
                via=scheduled.via,
            )
            scheduled.message = message
            scheduled.save(update_fields=["message"])
            return scheduled
    except InvalidInput as exc:
        # Refused at its time (delivery switched on meanwhile with other limits, say): said so.
        ScheduledMessage.objects.filter(pk=scheduled_id, status=ScheduledStatus.SCHEDULED).update(
            status=ScheduledStatus.FAILED, error=str(exc.message)[:500], updated_at=now
        )
        return None


def _enqueue_scheduled_after_commit(scheduled: ScheduledMessage) -> None:
    scheduled_id, run_after = scheduled.pk, scheduled.send_at
    transaction.on_commit(lambda: _enqueue_scheduled(scheduled_id, run_after))


def _enqueue_scheduled(scheduled_id: int, run_after: datetime | None) -> None:
    from .tasks import send_scheduled_message  # the task module imports this one

    try:
        task = send_scheduled_message
        if run_after is not None and task.get_backend().supports_defer:
            task = task.using(run_after=run_after)
        elif run_after is not None and run_after > timezone.now():
            return  # a backend that cannot defer: the sweeper enqueues it when due
        task.enqueue(scheduled_id)
    except Exception:
        logger.exception("Enqueueing scheduled message %s failed; the sweeper will retry", scheduled_id)


def ppv_message_for(*, fan: Fan, message_id) -> Message:
    """The message a PPV transaction unlocks: one sent to this fan, else 400."""
    message = selectors.fan_outgoing_message(fan=fan, message_id=message_id)
    if message is None:
        raise InvalidInput("Invalid message_id: not a message sent to this fan", field="message_id")
    return message


# --- Segments -------------------------------------------------------------------------------


def segment_clean_filters(filters: dict) -> dict:
    """The filters as saved: known parameters only, each valid for FanFilterSet."""
    if not isinstance(filters, dict):
        raise InvalidInput("Invalid filters", field="filters")
    unknown = sorted(set(filters) - set(SEGMENT_FILTERS))
    if unknown:
        raise InvalidInput(f"Unknown filter: {', '.join(unknown)}", field="filters")
    cleaned = {name: str(value).strip() for name, value in filters.items() if value not in (None, "") and str(value).strip()}
    form = FanFilterSet(data=cleaned, queryset=Fan.objects.none()).form
    if not form.is_valid():
        name, errors = next(iter(form.errors.items()))
        raise InvalidInput(f"Invalid {name}: {errors[0]}", field=name)
    if not cleaned:
        raise InvalidInput("Choose at least one filter: a segment of every fan is the fans list", field="filters")
    return cleaned


@transaction.atomic
def segment_save(*, creator: Creator, name: str, filters: dict, segment: Segment | None = None) -> Segment:
    name = (name or "").strip()
    if not name:
        raise InvalidInput("Name the segment", field="name")
    if len(name) > SEGMENT_NAME_MAX:
        raise InvalidInput(f"At most {SEGMENT_NAME_MAX} characters", field="name")
    taken = Segment.objects.filter(creator=creator, name=name).exclude(pk=segment.pk if segment else None).exists()
    if taken:
        raise InvalidInput("A segment with this name exists", field="name")
    segment = segment or Segment(creator=creator)
    segment.name, segment.filters = name, segment_clean_filters(filters)
    segment.save()
    return segment


def segment_delete(*, segment: Segment) -> None:
    segment.delete()


def segment_fans(*, segment: Segment) -> QuerySet[Fan]:
    """The segment's members now (a live read: the filters, not a stored list)."""
    filterset = FanFilterSet(data=segment.filters, queryset=selectors.fans_list(creator=segment.creator))
    return filterset.qs


def segment_count(*, segment: Segment) -> int:
    return segment_fans(segment=segment).order_by().count()


# --- Mass messages --------------------------------------------------------------------------


def check_mass_text(text: str) -> str:
    """Variables as in saved replies ({{ fan.name }}, {{ creator.display_name }}), else 400."""
    try:
        return saved_replies.check_body(text)
    except InvalidInput as exc:
        raise InvalidInput(exc.message.replace("Write the reply", "Write the message"), field="text") from None


def mass_message_preview(*, creator: Creator, text: str, fan: Fan | None = None) -> str:
    return saved_replies.render(check_mass_text(text), fan=fan, creator=creator)


def mass_message_test_send(*, creator: Creator, text: str, fan: Fan | None = None) -> str:
    """The message as a fan would read it, emailed to the creator (nothing goes to any fan)."""
    body = mass_message_preview(creator=creator, text=text, fan=fan)
    send_mail("Test of your mass message", body, None, [creator.user.email])
    return body


def live_chat_of(fan_ref: str = "pk") -> Subquery:
    """The id of the fan's live chat (their visitor chat on the public page), unless blocked: a
    message there reaches the visitor in the chat, whatever the platform's delivery."""
    chats = ChatVisitor.objects.filter(fan_id=OuterRef(fan_ref), blocked_at__isnull=True)
    return Subquery(chats.order_by("-pk").values("conversation_id")[:1])


def skip_reason(fan: Fan, *, delivering: set[str], now: datetime, live_chat: bool = False, has_attachment: bool = False) -> str:
    """Why this fan gets no message now, or "" (docs/campaigns.md, "Who is skipped")."""
    if fan.do_not_contact:
        return SkipReason.DO_NOT_CONTACT
    # Consent: recorded (contact form, chat, API, by hand), or the fan wrote first on the platform.
    if not fan.consent_source and fan.last_seen_at is None:
        return SkipReason.NO_CONSENT
    if live_chat:
        return ""
    if fan.platform not in delivering:
        return SkipReason.NO_CHANNEL
    if fan.platform == Platform.INSTAGRAM and (fan.last_seen_at is None or fan.last_seen_at < now - INSTAGRAM_WINDOW):
        return SkipReason.OUTSIDE_WINDOW
    if has_attachment and not delivery.transport_for(fan.platform).sends_attachments:
        return SkipReason.NO_FILES
    return ""


def delivering_platforms(creator_id: int) -> set[str]:
    """Platforms the CRM can deliver to for this creator: a transport and a delivering account."""
    return {
        platform
        for platform in Platform.values
        if delivery.transport_for(platform) is not None
        and selectors.delivery_account(creator_id=creator_id, platform=platform) is not None
    }


def _audience(creator: Creator, *, segment: Segment | None, fan_ids) -> tuple[QuerySet[Fan], str]:
    if segment is not None:
        if segment.creator_id != creator.pk:
            raise InvalidInput("Invalid segment", field="segment")
        return segment_fans(segment=segment), f"Segment “{segment.name}”"
    ids = []
    for value in fan_ids or []:
        if isinstance(value, bool) or not str(value).isdigit():
            raise InvalidInput("Invalid fan_ids", field="fan_ids")
        ids.append(int(value))
    fans = selectors.fans_list(creator=creator).filter(pk__in=set(ids))
    return fans, f"{len(set(ids))} selected fans"


@transaction.atomic
def mass_message_create(
    *,
    creator: Creator,
    text: str,
    segment: Segment | None = None,
    fan_ids=None,
    price_cents: int = 0,
    send_at: datetime | None = None,
    attachment: CheckedUpload | None = None,
) -> MassMessage:
    """A mass message and its recipients (all `pending`); the runner sends at `send_at` or now.
    An attachment (checked by the caller, core.uploads) is stored once; each recipient who can
    receive files (live chat) gets a copy with their message."""
    text = check_mass_text(text)
    price_cents = _price(price_cents)
    if send_at is not None:
        check_send_at(send_at)
    fans, audience = _audience(creator, segment=segment, fan_ids=fan_ids)
    fan_ids = list(fans.order_by("pk").values_list("pk", flat=True)[: settings.MASS_MESSAGE_MAX_RECIPIENTS + 1])
    if not fan_ids:
        raise InvalidInput("Nobody to send to: the segment or selection has no fans", field="segment" if segment else "fan_ids")
    if len(fan_ids) > settings.MASS_MESSAGE_MAX_RECIPIENTS:
        raise InvalidInput(
            f"A mass message reaches at most {settings.MASS_MESSAGE_MAX_RECIPIENTS} fans: narrow the segment",
            field="segment" if segment else "fan_ids",
        )
    # The longest message after variables are filled must fit the platform (Instagram: 1000).
    longest = max(len(saved_replies.render(text, fan=Fan(name="x" * 255), creator=creator)), len(text))
    for platform in delivering_platforms(creator.pk):
        limit = delivery.transport_for(platform).max_length
        if longest > limit:
            raise InvalidInput(f"A message on {Platform(platform).label} holds at most {limit} characters", field="text")
    mass = MassMessage(
        creator=creator,
        segment=segment,
        audience=audience[:120],
        text=text,
        price_cents=price_cents,
        send_at=send_at,
        status=MassMessageStatus.SCHEDULED if send_at else MassMessageStatus.RUNNING,
        progress_at=send_at or timezone.now(),
    )
    if attachment is not None:
        mass.attachment_name, mass.attachment_size = attachment.original_name, attachment.size
        store_upload(mass.attachment, attachment, what="Mass message attachment")
    try:
        mass.save()
        MassMessageRecipient.objects.bulk_create(
            [MassMessageRecipient(mass_message=mass, fan_id=fan_id) for fan_id in fan_ids], batch_size=2000
        )
    except Exception:
        # The object was stored before the rows; a failed insert must not leave it behind.
        if mass.attachment.name:
            mass.attachment.storage.delete(mass.attachment.name)
        raise
    _enqueue_run_after_commit(mass.pk, send_at)
    return mass


def _enqueue_run_after_commit(mass_id: int, run_after: datetime | None = None) -> None:
    transaction.on_commit(lambda: enqueue_run(mass_id, run_after))


def enqueue_run(mass_id: int, run_after: datetime | None = None) -> None:
    from .tasks import run_mass_message

    try:
        task = run_mass_message
        if run_after is not None and task.get_backend().supports_defer:
            task = task.using(run_after=run_after)
        elif run_after is not None and run_after > timezone.now():
            return  # the sweeper enqueues it when due
        task.enqueue(mass_id)
    except Exception:
        logger.exception("Enqueueing mass message %s failed; the sweeper will retry", mass_id)


def _locked_mass(mass: MassMessage) -> MassMessage:
    return MassMessage.objects.select_for_update().get(pk=mass.pk)


@transaction.atomic
def mass_message_pause(*, mass: MassMessage) -> MassMessage:
    locked = _locked_mass(mass)
    if locked.status not in (MassMessageStatus.RUNNING, MassMessageStatus.SCHEDULED):
        raise InvalidInput("Only a mass message being sent or scheduled can be paused")
    locked.status = MassMessageStatus.PAUSED
    locked.save(update_fields=["status"])
    return locked


@transaction.atomic
def mass_message_resume(*, mass: MassMessage) -> MassMessage:
    locked = _locked_mass(mass)
    if locked.status != MassMessageStatus.PAUSED:
        raise InvalidInput("Only a paused mass message can be resumed")
    due = locked.send_at is None or locked.send_at <= timezone.now()
    locked.status = MassMessageStatus.RUNNING if due else MassMessageStatus.SCHEDULED
    locked.progress_at = timezone.now()
    locked.save(update_fields=["status", "progress_at"])
    _enqueue_run_after_commit(locked.pk, None if due else locked.send_at)
    return locked


@transaction.atomic
def mass_message_stop(*, mass: MassMessage) -> MassMessage:
    """Stop for good: the fans not messaged yet are skipped ("stopped"); sent ones stay sent."""
    locked = _locked_mass(mass)
    if locked.status in (MassMessageStatus.STOPPED, MassMessageStatus.DONE):
        raise InvalidInput("This mass message is already finished")
    locked.recipients.filter(status=RecipientStatus.PENDING).update(
        status=RecipientStatus.SKIPPED, skip_reason=SkipReason.STOPPED
    )
    locked.status, locked.finished_at = MassMessageStatus.STOPPED, timezone.now()
    locked.save(update_fields=["status", "finished_at"])
    return locked


def _conversation_for(fan: Fan, live_chat_id: int | None) -> Conversation:
    """The fan's live chat if they have one, else their most recent open conversation on their
    platform (opened if there is none)."""
    if live_chat_id is not None:
        return Conversation.objects.get(pk=live_chat_id)
    return services.conversation_open(fan=fan, platform=fan.platform)[0]


def _budget(creator_id: int, now: datetime) -> int:
    """Messages this creator's mass messages may still create in this minute (the throttle)."""
    recent = MassMessageRecipient.objects.filter(
        mass_message__creator_id=creator_id,
        status=RecipientStatus.MESSAGED,
        message__created_at__gte=now - timedelta(minutes=1),
    ).count()
    return max(0, settings.MASS_MESSAGE_RATE_PER_MINUTE - recent)


def mass_message_step(*, mass_id: int, now: datetime | None = None) -> datetime | None:
    """One throttled batch of a running mass message. Returns when the next step should run, or
    None when nothing remains (done, paused, stopped, not yet due)."""
    from . import live

    now = now or timezone.now()
    mass = MassMessage.objects.select_related("creator").filter(pk=mass_id).first()
    if mass is None:
        return None
    if mass.status == MassMessageStatus.SCHEDULED and mass.send_at and mass.send_at <= now:
        MassMessage.objects.filter(pk=mass.pk, status=MassMessageStatus.SCHEDULED).update(status=MassMessageStatus.RUNNING)
        mass.status = MassMessageStatus.RUNNING
    if mass.status != MassMessageStatus.RUNNING:
        return None
    budget = min(settings.MASS_MESSAGE_BATCH, _budget(mass.creator_id, now))
    if budget == 0:
        return now + timedelta(seconds=60 / max(1, settings.MASS_MESSAGE_RATE_PER_MINUTE) * settings.MASS_MESSAGE_BATCH)
    delivering = delivering_platforms(mass.creator_id)
    pending = list(
        mass.recipients.filter(status=RecipientStatus.PENDING)
        .select_related("fan", "fan__creator")
        .annotate(live_chat_id=live_chat_of("fan_id"))
        .order_by("id")[:budget]
    )
    opened: list[CheckedUpload] = []

    def upload() -> CheckedUpload:
        # The file is read and checked once per batch, when its first recipient gets it.
        if not opened:
            opened.append(_stored_upload(mass))
        return opened[0]

    try:
        for recipient in pending:
            _message_recipient(mass, recipient, delivering=delivering, now=now, upload=upload)
    finally:
        for checked in opened:
            checked.file.close()
    MassMessage.objects.filter(pk=mass.pk).update(progress_at=timezone.now())
    counts = mass_message_counts(mass=mass)
    remaining = counts["pending"]
    progress = live.job_progress(creator_id=mass.creator_id, job=f"mass-{mass.pk}", total=counts["recipients"], label="Sent")
    progress.done = counts["recipients"] - remaining
    if remaining:
        progress.start()
        pace = 60 / max(1, settings.MASS_MESSAGE_RATE_PER_MINUTE)
        return now + timedelta(seconds=pace * len(pending))
    MassMessage.objects.filter(pk=mass.pk, status=MassMessageStatus.RUNNING).update(
        status=MassMessageStatus.DONE, finished_at=timezone.now()
    )
    progress.finish()
    return None


def _stored_upload(mass: MassMessage) -> CheckedUpload:
    """The mass message's stored file, opened and checked again as the upload it was (message_add
    stores a copy of it for each recipient: erasing one fan's message leaves the others')."""
    try:
        stored = mass.attachment.storage.open(mass.attachment.name, "rb")
    except Exception as exc:
        logger.exception("Mass message %s: its attachment could not be read", mass.pk)
        raise StorageUnavailable() from exc
    stored.name = mass.attachment_name
    return check_upload(stored, kinds=ATTACHMENT_KINDS)


def _message_recipient(
    mass: MassMessage,
    recipient: MassMessageRecipient,
    *,
    delivering: set[str],
    now: datetime,
    upload: Callable[[], CheckedUpload],
) -> None:
    fan = recipient.fan
    try:
        with transaction.atomic():
            # Claimed and messaged in one transaction: committed together or not at all.
            reason = skip_reason(
                fan,
                delivering=delivering,
                now=now,
                live_chat=recipient.live_chat_id is not None,
                has_attachment=bool(mass.attachment.name),
            )
            claimed = MassMessageRecipient.objects.filter(pk=recipient.pk, status=RecipientStatus.PENDING).update(
                status=RecipientStatus.SKIPPED if reason else RecipientStatus.MESSAGED, skip_reason=reason
            )
            if not claimed or reason:
                return
            message = services.message_add(
                conversation=_conversation_for(fan, recipient.live_chat_id),
                direction=Direction.OUTGOING,
                text=saved_replies.render(mass.text, fan=fan, creator=mass.creator),
                price_cents=mass.price_cents,
                attachment=upload() if mass.attachment.name else None,
                via=delivery.VIA_INBOX,
            )
            MassMessageRecipient.objects.filter(pk=recipient.pk).update(message=message)
    except InvalidInput:
        MassMessageRecipient.objects.filter(pk=recipient.pk, status=RecipientStatus.PENDING).update(
            status=RecipientStatus.SKIPPED, skip_reason=SkipReason.REFUSED
        )


def mass_message_counts(*, mass: MassMessage) -> dict[str, int]:
    """Recipients by state in one query: pending, messaged, skipped (by reason), delivery."""
    rows = mass.recipients.aggregate(
        recipients=Count("id"),
        pending=Count("id", filter=Q(status=RecipientStatus.PENDING)),
        messaged=Count("id", filter=Q(status=RecipientStatus.MESSAGED)),
        skipped=Count("id", filter=Q(status=RecipientStatus.SKIPPED)),
        sent=Count("id", filter=Q(message__delivery_status__in=[DeliveryStatus.SENT, DeliveryStatus.RECORDED])),
        failed=Count("id", filter=Q(message__delivery_status=DeliveryStatus.FAILED)),
        in_flight=Count("id", filter=Q(message__delivery_status__in=[DeliveryStatus.QUEUED, DeliveryStatus.SENDING])),
        manual=Count("id", filter=Q(message__delivery_status=DeliveryStatus.MANUAL)),
        **{f"skipped_{reason}": Count("id", filter=Q(skip_reason=reason)) for reason in SkipReason.values},
    )
    return rows


def audience_estimate(
    *, creator: Creator, fans: QuerySet[Fan], now: datetime | None = None, has_attachment: bool = False
) -> dict[str, int]:
    """Who of these fans would be messaged and who skipped, by reason (the form's preview)."""
    now = now or timezone.now()
    delivering = delivering_platforms(creator.pk)
    counts = {"total": 0, "reachable": 0, **{reason: 0 for reason in SkipReason.values}}
    fans = fans.only("platform", "do_not_contact", "consent_source", "last_seen_at").annotate(live_chat_id=live_chat_of())
    for fan in fans.iterator(chunk_size=2000):
        counts["total"] += 1
        reason = skip_reason(fan, delivering=delivering, now=now, live_chat=fan.live_chat_id is not None, has_attachment=has_attachment)
        counts[reason or "reachable"] += 1
    return counts


# --- The sweeper ----------------------------------------------------------------------------


def campaigns_sweep(*, now: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Deferred work no task will otherwise do: scheduled messages past due (the worker was down,
    or the enqueue was lost) and running mass messages without progress. Enqueued again; the
    claims are conditional, so a second task is harmless."""
    now = now or timezone.now()
    late = now - timedelta(seconds=settings.CAMPAIGN_SWEEP_GRACE_SECONDS)
    due = list(
        ScheduledMessage.objects.filter(status=ScheduledStatus.SCHEDULED, send_at__lte=late).values_list("pk", flat=True)[:limit]
    )
    for scheduled_id in due:
        _enqueue_scheduled(scheduled_id, None)
    stalled = list(
        MassMessage.objects.filter(
            Q(status=MassMessageStatus.RUNNING) | Q(status=MassMessageStatus.SCHEDULED, send_at__lte=now),
            progress_at__lte=late,
        ).values_list("pk", flat=True)[:limit]
    )
    for mass_id in stalled:
        MassMessage.objects.filter(pk=mass_id).update(progress_at=now)  # one re-enqueue per grace
        enqueue_run(mass_id)
    return {"scheduled_enqueued": len(due), "mass_messages_enqueued": len(stalled)}


# --- Reads: reports -------------------------------------------------------------------------


def ppv_report(*, messages: QuerySet[Message]) -> dict:
    """Sent, unlocked, conversion, revenue and time to unlock of these PPV messages: an unlock is
    a PPV transaction linked to the message (`message_id`). Two queries whatever the count."""
    from .models import Transaction

    ppv = messages.filter(price_cents__gt=0)
    sent = ppv.exclude(delivery_status__in=[DeliveryStatus.FAILED, DeliveryStatus.QUEUED, DeliveryStatus.SENDING]).count()
    unlocks = list(
        Transaction.objects.filter(message__in=ppv, kind="ppv").values_list("message_id", "amount_cents", "occurred_at", "message__created_at")
    )
    unlocked = {message_id for message_id, *_ in unlocks}
    waits = sorted(max(0.0, (at - created).total_seconds()) for _m, _a, at, created in unlocks)
    return {
        "sent": sent,
        "unlocked": len(unlocked),
        "conversion": round(100 * len(unlocked) / sent, 1) if sent else 0.0,
        "revenue_cents": sum(amount for _m, amount, *_ in unlocks),
        "median_unlock_seconds": waits[len(waits) // 2] if waits else None,
    }


def ppv_message_rows(*, creator: Creator, limit: int = 50) -> list[Message]:
    """The creator's latest PPV messages, each with what its unlocks brought (`unlocked_cents`,
    0 if none) and how long the first took (`unlock_seconds`, None if none): the report per
    message, in one query whatever the count."""
    from .models import Transaction

    unlocks = Transaction.objects.filter(message=OuterRef("pk"), kind="ppv")
    rows = list(
        Message.objects.filter(creator=creator, direction=Direction.OUTGOING, price_cents__gt=0)
        .select_related("fan")
        .only("id", "created_at", "price_cents", "delivery_status", "text", "conversation_id", "fan__id", "fan__name")
        .annotate(
            unlocked_cents=Coalesce(
                Subquery(unlocks.order_by().values("message").annotate(total=Sum("amount_cents")).values("total")[:1]), 0
            ),
            unlocked_at=Subquery(unlocks.order_by("occurred_at").values("occurred_at")[:1]),
        )
        .order_by("-created_at", "-id")[:limit]
    )
    for row in rows:
        row.unlock_seconds = max(0.0, (row.unlocked_at - row.created_at).total_seconds()) if row.unlocked_at else None
    return rows


def mass_message_messages(*, mass: MassMessage) -> QuerySet[Message]:
    return Message.objects.filter(pk__in=mass.recipients.exclude(message=None).values("message_id"))


def unlocks_by_message(*, message_ids) -> dict[int, int]:
    """PPV revenue per message id (the per-recipient rows of a report), one query."""
    from .models import Transaction

    rows = Transaction.objects.filter(message_id__in=list(message_ids), kind="ppv").values_list("message_id", "amount_cents")
    totals: dict[int, int] = {}
    for message_id, amount in rows:
        totals[message_id] = totals.get(message_id, 0) + amount
    return totals
