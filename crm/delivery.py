"""Delivery of outgoing messages to their platform: the status rules, written once (docs/delivery.md).

crm knows no platform's API. An app that speaks one registers a `DeliveryTransport` for it
(`crm.extensions.delivery_transports`); crm decides a message's first status, hands `queued`
messages to the transport after commit, and keeps every later change here, so that the send task,
the sweeper, the webhook echo and the retry action all move a message through the same steps:

    recorded                                  (no delivery: stored only)
    manual                                    (no messaging API: a person sends it)
    queued → sending → sent                   (the platform took it; its id stored)
                     → failed (will retry)    → sending → …  (rate limit, 5xx: backoff)
                     → failed                 (permanent; or unknown: the worker died mid-call)

At most once: a message is `sending` (committed) before the platform is called, and only a
`queued` message, or a `failed` one whose automatic retry is due, can be claimed. A `sending`
message the sweeper finds after the call's longest possible time becomes `failed` with an
unknown outcome: never sent again without a person deciding.

Every change sends `crm.signals.message_delivery_changed` inside its transaction.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from core.exceptions import InvalidInput, NotFound

from . import selectors, signals
from .choices import DeliveryStatus, Direction, Platform
from .extensions import DeliveryTransport, delivery_transports
from .models import Conversation, Message
from .selectors import UNKNOWN_OUTCOME_CODE

logger = logging.getLogger("crm.delivery")

# Platforms with no public messaging API: a reply written in the CRM is sent by a person.
NO_MESSAGING_API = frozenset({Platform.ONLYFANS, Platform.FANSLY, Platform.PATREON, Platform.TIKTOK})

# Where a message comes from, as message_add's `via`: the inbox composer or an API client. A
# message recorded by the platform itself (webhooks), demo data or the contact form has none.
VIA_INBOX, VIA_API = "inbox", "api"

UNKNOWN_OUTCOME = (
    "Unknown — check Instagram: the send was interrupted after it started, so the message may or may "
    "not have reached the fan."
)
UNKNOWN_ADVICE = "Open the conversation in Instagram. If the message is not there, send it again as a new reply."
MANUAL_ADVICE = {
    Platform.DIRECT: "No chat transport reaches this fan yet: copy the reply and send it by email or phone.",
}


def transport_for(platform: str) -> DeliveryTransport | None:
    return next((t for t in delivery_transports if t.platform == platform), None)


def _advice_manual(platform: str) -> str:
    label = Platform(platform).label
    return MANUAL_ADVICE.get(platform, f"{label} has no messaging API: copy the reply and send it in {label} yourself.")


def reply_route(conversation: Conversation) -> tuple[str, str]:
    """How a reply written in the inbox leaves (a read, for the composer): ("deliver", platform
    label), ("off", why), or ("manual", advice)."""
    platform = conversation.platform
    label = Platform(platform).label
    if platform == Platform.DIRECT and selectors.conversation_is_chat(conversation_id=conversation.pk):
        return "deliver", "Replies reach the visitor's chat at once."
    if transport_for(platform) is not None:
        if selectors.delivery_account(creator_id=conversation.creator_id, platform=platform) is None:
            return "off", f"Sending through {label} is off: replies are recorded here only. Switch it on in Settings."
        return "deliver", f"Replies are sent through {label}."
    if platform in NO_MESSAGING_API or platform == Platform.DIRECT:
        return "manual", _advice_manual(platform)
    return "off", "Replies are recorded here only."


# --- The first status (message_add) ------------------------------------------------------------


def initial_status(*, conversation: Conversation, via: str | None, text: str, reply_to: Message | None, has_attachment: bool) -> tuple[str, str]:
    """(status, advice) of a new outgoing message; refuses what its transport cannot send.

    Recorded unless written to reach the fan (`via`); queued when the conversation's platform has
    a transport and the creator's account for it delivers (the opt-in); `manual` for a reply
    written in the inbox where nothing can deliver it. An API client's message on such a platform
    stays `recorded`: the client says it sent it.
    """
    if via is None:
        return DeliveryStatus.RECORDED, ""
    platform = conversation.platform
    if platform == Platform.DIRECT and selectors.conversation_is_chat(conversation_id=conversation.pk):
        # The visitor chat is this conversation's transport: stored is delivered to the visitor.
        return DeliveryStatus.SENT, ""
    transport = transport_for(platform)
    if transport is not None:
        if selectors.delivery_account(creator_id=conversation.creator_id, platform=platform) is None:
            return DeliveryStatus.RECORDED, ""
        _check_sendable(transport, text=text, reply_to=reply_to, has_attachment=has_attachment)
        return DeliveryStatus.QUEUED, ""
    if via == VIA_INBOX and (platform in NO_MESSAGING_API or platform == Platform.DIRECT):
        return DeliveryStatus.MANUAL, _advice_manual(platform)
    return DeliveryStatus.RECORDED, ""


def _check_sendable(transport: DeliveryTransport, *, text: str, reply_to: Message | None, has_attachment: bool) -> None:
    label = Platform(transport.platform).label
    limit = transport.comment_max_length if reply_to is not None else transport.max_length
    if len(text) > limit:
        kind = "A comment reply" if reply_to is not None else "A message"
        raise InvalidInput(f"{kind} on {label} holds at most {limit} characters", field="text")
    if has_attachment and not transport.sends_attachments:
        raise InvalidInput(f"Files cannot be delivered through {label}: send the file in {label} itself", field="attachment")
    if not text.strip():
        raise InvalidInput(f"A message delivered through {label} needs text", field="text")


def reply_target(*, conversation: Conversation, message_id) -> Message:
    """The comment a new reply answers, by id: a comment of this conversation, else 400."""
    try:
        message = selectors.conversation_message(conversation=conversation, message_id=message_id)
    except NotFound:
        raise InvalidInput("Invalid reply_to", field="reply_to") from None
    check_reply_to(conversation=conversation, reply_to=message)
    return message


def check_reply_to(*, conversation: Conversation, reply_to: Message | None) -> None:
    """A reply goes to a comment of the same conversation, or to nothing."""
    if reply_to is None:
        return
    if reply_to.conversation_id != conversation.pk or not reply_to.is_comment:
        raise InvalidInput("Invalid reply_to", field="reply_to")


def enqueue_after_commit(message: Message) -> None:
    transport = transport_for(message.conversation.platform)
    if transport is None:
        return
    message_id = message.pk
    transaction.on_commit(lambda: _enqueue(transport, message_id))


def _enqueue(transport: DeliveryTransport, message_id: int) -> None:
    # A lost enqueue is found by the sweeper (a `queued` message older than the grace).
    try:
        transport.enqueue(message_id)
    except Exception:
        logger.exception("Enqueueing the delivery of message %s failed; the sweeper will retry", message_id)


# --- Changes ---------------------------------------------------------------------------------


def _changed(message: Message) -> None:
    signals.message_delivery_changed.send(
        sender=Message, message=message, creator_id=message.creator_id, conversation_id=message.conversation_id
    )


def _set(message: Message, **fields) -> None:
    fields.setdefault("delivery_updated_at", timezone.now())
    for name, value in fields.items():
        setattr(message, name, value)
    message.save(update_fields=list(fields))
    _changed(message)


def retry_delay(attempts: int) -> timedelta:
    base, cap = settings.DELIVERY_RETRY_BASE_SECONDS, settings.DELIVERY_RETRY_MAX_SECONDS
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


@transaction.atomic
def delivery_claim(*, message_id: int, now: datetime | None = None) -> Message | None:
    """Take a message for one call to its platform: `sending`, committed by the caller before the
    call. None when it is not ours to send (sent, sending elsewhere, failed for good, gone)."""
    now = now or timezone.now()
    claimable = Q(delivery_status=DeliveryStatus.QUEUED) | Q(
        delivery_status=DeliveryStatus.FAILED, delivery_will_retry=True, delivery_next_attempt_at__lte=now
    )
    claimed = Message.objects.filter(claimable, pk=message_id, direction=Direction.OUTGOING).update(
        delivery_status=DeliveryStatus.SENDING,
        delivery_attempts=F("delivery_attempts") + 1,
        delivery_will_retry=False,
        delivery_next_attempt_at=None,
        delivery_updated_at=now,
    )
    if not claimed:
        return None
    message = Message.objects.select_related("conversation", "fan", "reply_to").get(pk=message_id)
    _changed(message)
    return message


@transaction.atomic
def delivery_succeeded(*, message: Message, platform_message_id: str) -> Message:
    """The platform took the message; its id makes the platform's echo a duplicate."""
    fields = {
        "delivery_status": DeliveryStatus.SENT,
        "delivery_error": "",
        "delivery_error_code": "",
        "delivery_advice": "",
        "delivery_will_retry": False,
        "delivery_retry_safe": False,
        "platform_message_id": platform_message_id[:255] or None,
    }
    try:
        with transaction.atomic():
            _set(message, **fields)
    except IntegrityError:
        # The id is taken in this conversation (an echo recorded by hand, say): the message is
        # sent all the same; the id stays with the other row.
        logger.warning("Message %s sent, but its platform id is already recorded in the conversation", message.pk)
        fields["platform_message_id"] = None
        _set(message, **fields)
    return message


@transaction.atomic
def delivery_failed(
    *, message: Message, error: str, code: str, advice: str, transient: bool, retry_safe: bool, now: datetime | None = None
) -> datetime | None:
    """The platform refused (or could not be reached). A transient refusal is retried with backoff
    until DELIVERY_MAX_ATTEMPTS; the time of the next attempt, or None when none will come."""
    now = now or timezone.now()
    will_retry = transient and retry_safe and message.delivery_attempts < settings.DELIVERY_MAX_ATTEMPTS
    next_at = now + retry_delay(message.delivery_attempts) if will_retry else None
    if transient and not will_retry and retry_safe:
        # The automatic retries are spent: a person decides when to try again.
        advice = f"Refused {message.delivery_attempts} times for now; try again later with Retry."
    _set(
        message,
        delivery_status=DeliveryStatus.FAILED,
        delivery_error=error[:1000],
        delivery_error_code=code[:64],
        delivery_advice=advice[:500],
        delivery_will_retry=will_retry,
        delivery_retry_safe=retry_safe,
        delivery_next_attempt_at=next_at,
        delivery_updated_at=now,
    )
    return next_at


def delivery_outcome_unknown(*, message: Message, detail: str = "") -> None:
    """The call may have reached the platform, and its answer is lost: failed, never resent."""
    error = UNKNOWN_OUTCOME + (f" ({detail})" if detail else "")
    delivery_failed(
        message=message, error=error, code=UNKNOWN_OUTCOME_CODE, advice=UNKNOWN_ADVICE, transient=False, retry_safe=False
    )


@transaction.atomic
def delivery_retry(*, message: Message) -> Message:
    """A person's retry of a failed message: only when the platform surely did not take it."""
    locked = Message.objects.select_for_update().select_related("conversation").get(pk=message.pk)
    if not (locked.delivery_status == DeliveryStatus.FAILED and locked.delivery_retry_safe and not locked.delivery_will_retry):
        raise InvalidInput("This message cannot be retried: it is not failed, retries by itself, or may have been sent")
    if transport_for(locked.conversation.platform) is None or selectors.delivery_account(
        creator_id=locked.creator_id, platform=locked.conversation.platform
    ) is None:
        raise InvalidInput("Delivery is off for this account: switch it on in the settings first")
    _set(locked, delivery_status=DeliveryStatus.QUEUED, delivery_attempts=0, delivery_advice="")
    enqueue_after_commit(locked)
    return locked


@transaction.atomic
def delivery_confirmed_by_echo(*, message: Message, platform_message_id: str) -> Message:
    """The platform's echo of a message whose outcome was unknown: it did go out."""
    return delivery_succeeded(message=message, platform_message_id=platform_message_id)


# --- The sweeper -----------------------------------------------------------------------------


def deliveries_sweep(*, now: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Deliveries no task will otherwise move: a `sending` message older than the longest call
    (its worker died) → failed, unknown outcome; a retry that is due, or a `queued` message whose
    enqueue was lost → enqueued again (claiming is conditional, so a second task is harmless)."""
    now = now or timezone.now()
    open_rows = Message.objects.filter(direction=Direction.OUTGOING)
    stuck_before = now - timedelta(seconds=settings.DELIVERY_SENDING_TIMEOUT_SECONDS)
    stuck = list(
        open_rows.filter(delivery_status=DeliveryStatus.SENDING, delivery_updated_at__lte=stuck_before)
        .select_related("conversation")[:limit]
    )
    for message in stuck:
        with transaction.atomic():
            # Conditional: a worker that finished meanwhile keeps its outcome.
            moved = Message.objects.filter(
                pk=message.pk, delivery_status=DeliveryStatus.SENDING, delivery_updated_at__lte=stuck_before
            ).exists()
            if moved:
                delivery_outcome_unknown(message=message, detail="no answer recorded")
    lost_before = now - timedelta(seconds=settings.DELIVERY_QUEUED_GRACE_SECONDS)
    due = list(
        open_rows.filter(
            Q(delivery_status=DeliveryStatus.FAILED, delivery_will_retry=True, delivery_next_attempt_at__lte=now)
            | Q(delivery_status=DeliveryStatus.QUEUED, delivery_updated_at__lte=lost_before)
        )
        .select_related("conversation")[:limit]
    )
    for message in due:
        transport = transport_for(message.conversation.platform)
        if transport is not None:
            _enqueue(transport, message.pk)
    return {"deliveries_unknown": len(stuck), "deliveries_enqueued": len(due)}
