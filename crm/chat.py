"""Visitor chat: a visitor of a creator's public page /c/<slug>/ chats with the creator's team.

    visitor, token = chat_start(creator=..., name=..., email=..., consent=True, address=...)
    visitor = chat_visitor(creator=..., token=...)       # the cookie's visitor, or None
    messages = chat_send(visitor=..., text=..., files=[CheckedUpload, ...], address=...)
    chat_messages(visitor=..., after=0)                  # only this visitor's conversation

Each chat is its own conversation (platform `direct`) of a fan created for the visitor; the email
a visitor types only suggests an existing fan (`ChatVisitor.suggested_fan`) for the creator to
confirm, never a merge. Replies are ordinary outgoing messages (crm.services.message_add): the
delivery rule makes them `sent` — stored for the visitor — and this module puts every message of
a chat on the visitor's own live stream, `chat:<visitor id>` (core.live), which the visitor's
endpoint (crm.views.chat_live) authorises by the visitor's token.

Rate limits belong to the request, so callers count them first (`limit_*`, per visitor and per
address). The per-creator quota of visitors' files is kept exact by a conditional UPDATE.
Details: docs/chat.md.
"""

import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q
from django.dispatch import receiver
from django.utils import timezone

from core import crypto, ratelimit
from core.exceptions import Conflict, Forbidden, InsufficientStorage, InvalidInput, NotFound
from core.live import feed
from core.uploads import CheckedUpload

from . import services, signals, validators
from .choices import ConsentSource, Direction, Platform
from .models import ChatBlock, ChatSettings, ChatVisitor, Conversation, Creator, Fan, Message

# The limits of the shipped system (seed 002): per visitor and per address.
MESSAGE_RATE = "30/1m"
FILE_RATE = "10/5m"
START_RATE = "5/1h"
MAX_FILES_PER_MESSAGE = 5
MAX_TEXT_LENGTH = 5000
NAME_MIN, NAME_MAX = 2, 100

# Worded apart from the contact form's labels beside it: each field of the page has its own name.
CONSENT_TEXT = "I consent to being contacted about this chat"
DEFAULT_AWAY_MESSAGE = (
    "Nobody is online right now. Leave your email and we will answer you there, or come back later."
)
BLOCKED = "This chat is not available to you"
ENDED = "This chat has ended"
CHAT_SUBJECT = "Chat"

MESSAGE_EVENT = "message"
STATE_EVENT = "chat"

# Markup is refused, not cleaned: a name or message that holds a tag is almost always a probe,
# and what is stored is shown as typed everywhere (escaped).
_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!?]")


def cookie_name(creator: Creator) -> str:
    """The visitor's cookie, one per creator: a visitor of two creators has two chats."""
    return f"crm_chat_{creator.pk}"


def stream_of(visitor_id: int) -> str:
    return f"chat:{visitor_id}"


# --- Limits (counted by the caller, per request) -----------------------------------------------


def _limit(request, *, group: str, rate: str, visitor: ChatVisitor | None, hits: int = 1) -> ratelimit.Usage:
    """Count `hits` against the address's budget and the visitor's; the usage that refuses, else
    the one with the fewest hits left."""
    keys = [f"ip:{ratelimit.client_ip(request)}"] + ([f"visitor:{visitor.pk}"] if visitor is not None else [])
    usages = []
    for key in keys:
        for _ in range(hits):
            usage = ratelimit.hit(request, group=group, key=key, rate=rate)
        usages.append(usage)
    exceeded = [u for u in usages if u.exceeded]
    return exceeded[0] if exceeded else min(usages, key=lambda u: u.remaining)


def limit_start(request) -> ratelimit.Usage:
    """5 chat starts an hour per address."""
    return ratelimit.per_address(request, group="chat-start", rate=START_RATE)


def limit_message(request, visitor: ChatVisitor) -> ratelimit.Usage:
    """30 messages a minute per visitor and per address."""
    return _limit(request, group="chat-message", rate=MESSAGE_RATE, visitor=visitor)


def limit_files(request, visitor: ChatVisitor, count: int) -> ratelimit.Usage:
    """10 file uploads per 5 minutes per visitor and per address (each file counts)."""
    return _limit(request, group="chat-file", rate=FILE_RATE, visitor=visitor, hits=count)


def address_of(request) -> str:
    return crypto.address_hash(ratelimit.client_ip(request))


# --- Reads -------------------------------------------------------------------------------------


def chat_visitor(*, creator: Creator, token: str | None) -> ChatVisitor | None:
    """The visitor whose token this is, on this creator's page; None for a forged, unknown or
    other creator's token."""
    if not token or len(token) > 100:
        return None
    return (
        ChatVisitor.objects.select_related("conversation", "fan", "creator")
        .filter(creator=creator, token_hash=crypto.token_hash(token))
        .first()
    )


def is_blocked(*, creator_id: int, token_hash: str = "", address_hash: str = "", email_hash: str = "") -> bool:
    match = Q(pk__in=[])
    for field, value in (("token_hash", token_hash), ("address_hash", address_hash), ("email_hash", email_hash)):
        if value:
            match |= Q(**{field: value})
    return ChatBlock.objects.filter(match, creator_id=creator_id).exists()


def visitor_blocked(visitor: ChatVisitor, *, address_hash: str = "") -> bool:
    if visitor.blocked_at is not None:
        return True
    return is_blocked(
        creator_id=visitor.creator_id, token_hash=visitor.token_hash, address_hash=address_hash,
        email_hash=visitor.email_hash,
    )


def chat_messages(*, visitor: ChatVisitor, after: int = 0, limit: int = 200) -> list[Message]:
    """The messages of this visitor's own chat after `after`, oldest first."""
    return list(
        Message.objects.filter(conversation_id=visitor.conversation_id, pk__gt=after).order_by("pk")[:limit]
    )


def chat_file(*, visitor: ChatVisitor, message_id) -> Message:
    """A file of this visitor's own chat; any other id (another chat's included) is not found."""
    try:
        pk = int(str(message_id))
    except ValueError:
        raise NotFound("File not found") from None
    message = (
        Message.objects.filter(conversation_id=visitor.conversation_id, pk=pk).exclude(attachment="").first()
    )
    if message is None:
        raise NotFound("File not found")
    return message


def stored_away_message(creator: Creator) -> str:
    return ChatSettings.objects.filter(creator=creator).values_list("away_message", flat=True).first() or ""


def away_message(creator: Creator) -> str:
    return stored_away_message(creator) or DEFAULT_AWAY_MESSAGE


# --- Presence ----------------------------------------------------------------------------------
# The team is online while one of its live pages is open (each live stream marks it when it
# starts, and reconnects at least every LIVE_STREAM_SECONDS); a visitor while their chat page or
# stream was seen recently. Both last one stream's life plus a margin: a closed tab turns "away" within that time.


def _presence_window() -> float:
    return settings.LIVE_STREAM_SECONDS + 60


def team_seen(creator_id: int) -> None:
    cache.set(f"chat:team-online:{creator_id}", 1, timeout=int(_presence_window()))


def team_online(creator_id: int) -> bool:
    return bool(cache.get(f"chat:team-online:{creator_id}"))


def visitor_seen(visitor: ChatVisitor) -> None:
    """Record the visitor as here; one write at most every 30 seconds."""
    now = timezone.now()
    if now - visitor.last_seen_at >= timedelta(seconds=30):
        ChatVisitor.objects.filter(pk=visitor.pk).update(last_seen_at=now)
        visitor.last_seen_at = now


def presence(last_seen_at, ended_at, *, now=None) -> str:
    """How a chat's visitor shows in the inbox: `ended`, `online` or `away`."""
    if ended_at is not None:
        return "ended"
    recent = (now or timezone.now()) - last_seen_at < timedelta(seconds=_presence_window())
    return "online" if recent else "away"


def visitor_online(visitor: ChatVisitor, *, now=None) -> bool:
    if visitor.ended_at is not None:
        return False
    return (now or timezone.now()) - visitor.last_seen_at < timedelta(seconds=_presence_window())


# --- Writes ------------------------------------------------------------------------------------


def _clean_text(value, *, field: str, max_length: int, min_length: int = 1) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"Invalid {field}", field=field)
    value = value.strip()
    if len(value) < min_length:
        raise InvalidInput(f"{field} is required", field=field)
    if len(value) > max_length:
        raise InvalidInput(f"{field} is too long (at most {max_length} characters)", field=field)
    if _MARKUP.search(value):
        raise InvalidInput(f"Invalid {field}: markup is not allowed", field=field)
    return value


def _clean_email(value) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, str):
        raise InvalidInput("Invalid email", field="email")
    try:
        return validators.clean_email(value)
    except Exception:
        raise InvalidInput("Invalid email", field="email") from None


def _suggested_fan(creator: Creator, email_hash: str) -> Fan | None:
    """The creator's oldest fan with this email who is not a chat visitor: a suggestion only."""
    if not email_hash:
        return None
    return (
        Fan.objects.filter(creator=creator, email_hash=email_hash)
        .exclude(chat_visitors__isnull=False)
        .order_by("pk")
        .only("pk")
        .first()
    )


def chat_start(*, creator: Creator, name, email="", consent=False, address_hash: str = "") -> tuple[ChatVisitor, str]:
    """A new chat: a fan for the visitor, their consent, a conversation, the visitor with a new
    token (returned raw, once). Refused when the address or the email is blocked."""
    name = _clean_text(name, field="name", max_length=NAME_MAX, min_length=NAME_MIN)
    email = _clean_email(email)
    if consent is not True:
        raise InvalidInput("You must agree to be contacted", field="consent")
    email_hash = crypto.email_hash(email)
    if is_blocked(creator_id=creator.pk, address_hash=address_hash, email_hash=email_hash):
        raise Forbidden(BLOCKED)
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        fan = services.fan_create(creator=creator, platform=Platform.DIRECT, name=name)
        services.fan_consent_record(fan=fan, source=ConsentSource.VISITOR_CHAT, text=CONSENT_TEXT)
        conversation, _ = services.conversation_open(fan=fan, platform=Platform.DIRECT, subject=CHAT_SUBJECT, reuse=False)
        visitor = ChatVisitor.objects.create(
            creator=creator, fan=fan, conversation=conversation, token_hash=crypto.token_hash(token),
            address_hash=address_hash, email=email, email_hash=email_hash,
            suggested_fan=_suggested_fan(creator, email_hash),
        )
    return visitor, token


def _check_can_write(visitor: ChatVisitor, address_hash: str) -> None:
    if visitor_blocked(visitor, address_hash=address_hash):
        raise Forbidden(BLOCKED)
    if visitor.ended_at is not None:
        raise Conflict(ENDED)


def quota_bytes() -> int:
    return settings.CHAT_STORAGE_QUOTA_MB * 1024 * 1024


def _reserve(creator_id: int, size: int) -> None:
    """Take `size` bytes of the creator's quota, or refuse (507). One conditional UPDATE: two
    uploads at once can never both pass the last free bytes."""
    ChatSettings.objects.get_or_create(creator_id=creator_id)
    taken = ChatSettings.objects.filter(
        creator_id=creator_id, storage_used_bytes__lte=quota_bytes() - size
    ).update(storage_used_bytes=F("storage_used_bytes") + size)
    if not taken:
        raise InsufficientStorage("The chat's storage is full: files cannot be sent now")


def _release(creator_id: int, size: int) -> None:
    if size:
        ChatSettings.objects.filter(creator_id=creator_id, storage_used_bytes__gte=size).update(
            storage_used_bytes=F("storage_used_bytes") - size
        )


def chat_send(*, visitor: ChatVisitor, text="", files: list[CheckedUpload] = (), address_hash: str = "") -> list[Message]:
    """The visitor's message: its text with the first file, one more message per further file.
    Nothing is stored when anything is refused."""
    files = list(files)
    if len(files) > MAX_FILES_PER_MESSAGE:
        raise InvalidInput(f"At most {MAX_FILES_PER_MESSAGE} files a message", field="files")
    # Text is optional only beside files.
    text = "" if text in (None, "") and files else _clean_text(text, field="text", max_length=MAX_TEXT_LENGTH)
    _check_can_write(visitor, address_hash)
    size = sum(f.size for f in files)
    if size:
        # Its own short transaction: the quota row is not held while files are written.
        _reserve(visitor.creator_id, size)
    try:
        with transaction.atomic():
            stored = []
            parts = [(text, files[0] if files else None)] + [("", f) for f in files[1:]]
            for part_text, upload in parts:
                stored.append(
                    services.message_add(
                        conversation=visitor.conversation, direction=Direction.INCOMING, text=part_text,
                        attachment=upload,
                    )
                )
    except Exception:
        _release(visitor.creator_id, size)
        raise
    visitor_seen(visitor)
    return stored


def _state_event(visitor: ChatVisitor, state: str) -> None:
    feed.publish(stream_of(visitor.pk), STATE_EVENT, {"state": state})
    signals.conversation_changed.send(sender=Conversation, conversation=visitor.conversation)


@transaction.atomic
def chat_end(*, visitor: ChatVisitor) -> ChatVisitor:
    """The team ends the chat: the visitor can read it, no longer write to it."""
    if visitor.ended_at is None:
        visitor.ended_at = timezone.now()
        ChatVisitor.objects.filter(pk=visitor.pk).update(ended_at=visitor.ended_at)
        _state_event(visitor, "ended")
    return visitor


@transaction.atomic
def chat_block(*, visitor: ChatVisitor) -> ChatVisitor:
    """Block the visitor by token, address and email: every send and every new chat from any of
    them is refused (403) from now on; the chat ends."""
    now = timezone.now()
    ChatBlock.objects.create(
        creator_id=visitor.creator_id, fan_id=visitor.fan_id, token_hash=visitor.token_hash,
        address_hash=visitor.address_hash, email_hash=visitor.email_hash,
    )
    visitor.blocked_at = now
    visitor.ended_at = visitor.ended_at or now
    ChatVisitor.objects.filter(pk=visitor.pk).update(blocked_at=now, ended_at=visitor.ended_at)
    _state_event(visitor, "blocked")
    return visitor


@transaction.atomic
def chat_leave_email(*, visitor: ChatVisitor, email, address_hash: str = "") -> ChatVisitor:
    """A visitor who found nobody online leaves an email to be answered at."""
    email = _clean_email(email)
    if not email:
        raise InvalidInput("email is required", field="email")
    _check_can_write(visitor, address_hash)
    email_hash = crypto.email_hash(email)
    if is_blocked(creator_id=visitor.creator_id, email_hash=email_hash):
        raise Forbidden(BLOCKED)
    visitor.email, visitor.email_hash = email, email_hash
    visitor.suggested_fan = _suggested_fan(visitor.creator, email_hash)
    visitor.save(update_fields=["email", "email_hash", "suggested_fan"])
    signals.conversation_changed.send(sender=Conversation, conversation=visitor.conversation)
    return visitor


@transaction.atomic
def chat_link_confirm(*, visitor: ChatVisitor) -> ChatVisitor:
    """The creator confirms the suggested fan is this visitor: the link is recorded, the two fans
    and their threads stay apart (no merge)."""
    if visitor.suggested_fan_id is None:
        raise InvalidInput("No fan is suggested for this visitor", field="linked_fan")
    visitor.linked_fan_id = visitor.suggested_fan_id
    visitor.save(update_fields=["linked_fan"])
    return visitor


@transaction.atomic
def chat_settings_update(*, creator: Creator, away_message: str) -> ChatSettings:
    away_message = _clean_text(away_message or " ", field="away_message", max_length=500, min_length=0)
    row, _ = ChatSettings.objects.get_or_create(creator=creator)
    ChatSettings.objects.filter(pk=row.pk).update(away_message=away_message)
    row.away_message = away_message
    return row


def chats_purge_expired(*, now=None, retention_days: int | None = None) -> int:
    """Erase chats nobody wrote in for CHAT_RETENTION_DAYS (the visitor's fan, messages, files
    and blocks, through fan_delete); how many. A chat fan the creator linked to a known fan is
    erased all the same: the link is a note on the chat, the known fan is untouched."""
    days = settings.CHAT_RETENTION_DAYS if retention_days is None else retention_days
    if not days:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=days)
    expired = ChatVisitor.objects.filter(last_seen_at__lt=cutoff).filter(
        Q(conversation__last_message_at__lt=cutoff) | Q(conversation__last_message_at__isnull=True)
    )
    count = 0
    for visitor in expired.select_related("fan")[:500]:
        services.fan_delete(fan=visitor.fan)
        count += 1
    return count


# --- The visitor's live stream ---------------------------------------------------------------


@receiver(signals.message_recorded, dispatch_uid="chat_message_recorded")
def on_message_recorded(sender, message, **kwargs):
    # message_add hands over the conversation it locked: no query for the other platforms.
    if message.conversation.platform != Platform.DIRECT:
        return
    visitor_id = ChatVisitor.objects.filter(conversation_id=message.conversation_id).values_list("pk", flat=True).first()
    if visitor_id is not None:
        feed.publish(stream_of(visitor_id), MESSAGE_EVENT, {"message": message.pk})


@receiver(signals.message_delivery_changed, dispatch_uid="chat_message_delivery_changed")
def on_message_changed(sender, message, **kwargs):
    on_message_recorded(sender, message)


@receiver(signals.fan_deleting, dispatch_uid="chat_fan_deleting")
def on_fan_deleting(sender, fan, **kwargs):
    """Erasing a fan erases their chats too: a chat fan's files leave the creator's quota, and the
    chats of a visitor confirmed as this fan (or who typed this fan's email) are erased with them."""
    for visitor in ChatVisitor.objects.filter(Q(linked_fan=fan) | Q(suggested_fan=fan)).select_related("fan"):
        services.fan_delete(fan=visitor.fan)
    if not ChatVisitor.objects.filter(fan=fan).exists():
        return
    sizes = Message.objects.filter(fan=fan, direction=Direction.INCOMING).exclude(attachment="")
    total = sum(sizes.values_list("attachment_size", flat=True)) or 0
    _release(fan.creator_id, min(total, _used(fan.creator_id)))


def _used(creator_id: int) -> int:
    return ChatSettings.objects.filter(creator_id=creator_id).values_list("storage_used_bytes", flat=True).first() or 0
