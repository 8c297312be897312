"""What each Instagram webhook field does to the CRM. Called inside the event's transaction.

Every handler is idempotent: a comment or DM already recorded (same platform message id in any
of the fan's Instagram threads) is left alone, so a replayed event changes nothing.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.utils.module_loading import import_string

from core.exceptions import AlreadyExists
from core.observability.context import bind_creator
from crm import delivery as crm_delivery
from crm import selectors as crm_selectors
from crm import services as crm_services
from crm.choices import DeliveryStatus, Direction, Platform
from crm.models import Creator, Fan

from .choices import EventStatus, Field, IgnoredReason
from .intake import id_text
from .models import WebhookEvent

logger = logging.getLogger("webhooks")


@dataclass(frozen=True)
class Outcome:
    status: str
    reason: str = ""
    note: str = ""
    # The fans the event was recorded into: linked to it, so erasing a fan finds its events.
    fans: tuple[Fan, ...] = ()


PROCESSED = Outcome(EventStatus.PROCESSED)


def processed(fan: Fan) -> Outcome:
    return Outcome(EventStatus.PROCESSED, fans=(fan,))


def ignored(reason: str, note: str) -> Outcome:
    return Outcome(EventStatus.IGNORED, reason, note)


# --- Helpers -------------------------------------------------------------------------------

# Meta's timestamps: `entry.time` in seconds, `messaging[].timestamp` in milliseconds; accept either.
_MS_THRESHOLD = 100_000_000_000


def platform_time(value, default: datetime) -> datetime:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        return default
    seconds = value / 1000 if value >= _MS_THRESHOLD else value
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return default


# Fan.platform_id, Fan.handle and Message.platform_message_id hold at most 255 characters.
MAX_ID_LENGTH = 255


def _fits(*ids: str) -> bool:
    return all(len(i) <= MAX_ID_LENGTH for i in ids)


def _placeholder_name(platform_id: str) -> str:
    return f"Instagram user {platform_id}"


def instagram_fan(*, creator: Creator, platform_id: str, username: str = "") -> Fan:
    """The creator's Instagram fan with this id, created on first contact."""
    handle = f"@{username}"[:MAX_ID_LENGTH] if username else ""
    fan = crm_selectors.fan_by_platform_id(creator=creator, platform=Platform.INSTAGRAM, platform_id=platform_id)
    if fan is None:
        try:
            return crm_services.fan_create(
                creator=creator,
                platform=Platform.INSTAGRAM,
                platform_id=platform_id,
                handle=handle,
                name="" if handle else _placeholder_name(platform_id),
            )
        except AlreadyExists:
            # Another worker created the same fan a moment ago.
            return crm_selectors.fan_by_platform_id(
                creator=creator, platform=Platform.INSTAGRAM, platform_id=platform_id
            )
    fan.creator = creator  # already loaded: spares conversation_open a query
    if handle and not fan.handle:
        # A DM made the fan without a username; a later comment tells us who they are.
        fields = {"handle": handle}
        if fan.name == _placeholder_name(platform_id):
            fields["name"] = crm_services.default_fan_name(handle=handle)
        fan = crm_services.fan_update(fan=fan, **fields)
    return fan


class DeliveryInFlight(Exception):
    """An echo of a message whose send has not finished: the event is retried (with the event
    store's backoff) once the send task has recorded the message's id, so it is no second message."""


def record_message(
    *, fan: Fan, direction: str, platform_message_id: str, text: str, created_at: datetime, is_comment: bool = False
) -> None:
    """The message in the fan's Instagram conversation, unless it is already recorded."""
    if crm_selectors.fan_has_platform_message(
        fan=fan, platform=Platform.INSTAGRAM, platform_message_id=platform_message_id
    ):
        return
    conversation, _created = crm_services.conversation_open(fan=fan, platform=Platform.INSTAGRAM, reuse=True)
    message = crm_services.message_add(
        conversation=conversation,
        direction=direction,
        text=text,
        platform_message_id=platform_message_id,
        created_at=created_at,
        is_comment=is_comment,
    )
    # Ids only: the line links the delivery's request id to the message it created.
    logger.info(
        "Recorded message %s in conversation %s",
        message.pk,
        conversation.pk,
        extra={"message_id": message.pk, "conversation_id": conversation.pk},
    )


def _text(value) -> str:
    return value if isinstance(value, str) else ""


# --- Handlers per field --------------------------------------------------------------------


def handle_comment(creator: Creator, event: WebhookEvent) -> Outcome:
    """A comment on the creator's media: the commenter becomes (or matches) a fan and writes in."""
    value = event.payload["value"]
    author = value.get("from") if isinstance(value.get("from"), dict) else {}
    author_id, comment_id = id_text(author.get("id")), id_text(value.get("id"))
    if not author_id or not comment_id:
        return ignored(IgnoredReason.UNSUPPORTED, "Comment without an id or an author id")
    if author_id == event.account_id:
        return ignored(IgnoredReason.UNSUPPORTED, "The account's own comment")
    if not _fits(author_id, comment_id):
        return ignored(IgnoredReason.UNSUPPORTED, "Comment or author id longer than 255 characters")
    fan = instagram_fan(creator=creator, platform_id=author_id, username=_text(author.get("username")).strip())
    record_message(
        fan=fan,
        direction=Direction.INCOMING,
        platform_message_id=comment_id,
        text=_text(value.get("text")),
        created_at=platform_time(event.payload.get("entry_time"), event.received_at),
        is_comment=True,
    )
    return processed(fan)


def _message_text(message: dict) -> str:
    text = _text(message.get("text"))
    if text:
        return text
    attachments = message.get("attachments")
    if isinstance(attachments, list) and attachments:
        kinds = [_text(a.get("type")) or "file" for a in attachments if isinstance(a, dict)]
        return "[" + ", ".join(kinds or ["attachment"]) + "]"
    return ""


def handle_messaging(creator: Creator, event: WebhookEvent) -> Outcome:
    """An Instagram DM: incoming from the sender, or (echo) outgoing from the creator to the recipient."""
    item = event.payload["value"]
    message = item.get("message")
    if not isinstance(message, dict) or not id_text(message.get("mid")):
        return ignored(IgnoredReason.UNSUPPORTED, "Messaging item without a message (read, reaction, postback)")
    if message.get("is_deleted") or message.get("is_unsupported"):
        return ignored(IgnoredReason.UNSUPPORTED, "Deleted or unsupported message")
    is_echo = message.get("is_echo") is True
    party = item.get("recipient" if is_echo else "sender")
    fan_id = id_text(party.get("id")) if isinstance(party, dict) else None
    if not fan_id or fan_id == event.account_id:
        return ignored(IgnoredReason.UNSUPPORTED, "Messaging item without the other party's id")
    if not _fits(fan_id, id_text(message["mid"])):
        return ignored(IgnoredReason.UNSUPPORTED, "Message or sender id longer than 255 characters")
    fan = instagram_fan(creator=creator, platform_id=fan_id)
    if is_echo and _echo_of_our_send(fan, id_text(message["mid"]), _message_text(message)):
        return processed(fan)
    record_message(
        fan=fan,
        direction=Direction.OUTGOING if is_echo else Direction.INCOMING,
        platform_message_id=id_text(message["mid"]),
        text=_message_text(message),
        created_at=platform_time(item.get("timestamp"), event.received_at),
    )
    return processed(fan)


def _echo_of_our_send(fan: Fan, mid: str, text: str) -> bool:
    """Whether an echo is of a message the CRM sent (so it is no new message). Our send recorded
    the id already: the usual case, left to record_message's check. Still `sending` (the echo
    overtook the send task's commit): retried later. Ended unknown, or taken without an id: the
    echo proves it went out."""
    if crm_selectors.fan_has_platform_message(fan=fan, platform=Platform.INSTAGRAM, platform_message_id=mid):
        return False
    ours = crm_selectors.message_awaiting_echo(fan=fan, platform=Platform.INSTAGRAM, text=text)
    if ours is None:
        return False
    if ours.delivery_status == DeliveryStatus.SENDING:
        raise DeliveryInFlight(f"Echo of message {ours.pk}, whose send has not finished")
    crm_delivery.delivery_confirmed_by_echo(message=ours, platform_message_id=mid)
    return True


def handle_activity(creator: Creator, event: WebhookEvent) -> Outcome:
    """Mentions and new media: the event itself is the activity record (see selectors.account_activity)."""
    return PROCESSED


HANDLERS = {
    Field.COMMENTS: handle_comment,
    Field.MESSAGING: handle_messaging,
    Field.MENTIONS: handle_activity,
    Field.MEDIA: handle_activity,
}


def handler_for(field: str):
    # WEBHOOK_HANDLER_OVERRIDES (field → dotted path) lets a deployment, or the worker-kill test,
    # put its own handler in front of a field.
    override = getattr(settings, "WEBHOOK_HANDLER_OVERRIDES", {}).get(field)
    return import_string(override) if override else HANDLERS.get(field)


def resolve_creator(event: WebhookEvent) -> Creator | None:
    """The creator the event belongs to: resolved at intake, or now if the account connected since."""
    if event.creator_id:
        return event.creator
    creator_ids = crm_selectors.platform_account_creator_ids(
        platform=Platform.INSTAGRAM, external_account_ids=[event.account_id]
    )
    creator_id = creator_ids.get(event.account_id)
    return Creator.objects.get(pk=creator_id) if creator_id else None


def dispatch(event: WebhookEvent) -> Outcome:
    creator = resolve_creator(event)
    if creator is None:
        return ignored(IgnoredReason.NO_ACCOUNT, f"No connected Instagram account {event.account_id}")
    event.creator = creator
    bind_creator(creator.pk)  # the attempt's remaining log lines name it
    handler = handler_for(event.event_type)
    if handler is None:
        return ignored(IgnoredReason.UNSUPPORTED, f"Unsupported field {event.event_type!r}")
    return handler(creator, event)
