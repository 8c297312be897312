"""Reads that start from the requesting creator: another creator's id behaves as a missing id."""

from .exceptions import NotFound
from .models import ApiKey, Conversation, Creator, Fan


MAX_ID = 2**63 - 1


def parse_id(value) -> int | None:
    """A database id from user input, or None when it cannot be one (wrong type, out of range)."""
    if isinstance(value, bool):
        return None
    try:
        number = int(str(value).strip()) if isinstance(value, str) else int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if isinstance(value, float) and value != number:
        return None
    return number if 0 < number <= MAX_ID else None


def api_key_active_by_raw(raw_key: str) -> ApiKey | None:
    from .services import api_key_hash

    return (
        ApiKey.objects.select_related("creator__user")
        .filter(key_hash=api_key_hash(raw_key), revoked_at__isnull=True)
        .first()
    )


def creator_by_slug(slug: str) -> Creator | None:
    return Creator.objects.select_related("user").filter(slug=slug).first()


def fan_get(*, creator: Creator, fan_id, message: str = "Fan not found") -> Fan:
    pk = parse_id(fan_id)
    fan = Fan.objects.filter(creator=creator, pk=pk).first() if pk else None
    if fan is None:
        raise NotFound(message)
    return fan


def conversation_get(*, creator: Creator, conversation_id, message: str = "Conversation not found") -> Conversation:
    pk = parse_id(conversation_id)
    conversation = (
        Conversation.objects.select_related("fan").filter(creator=creator, pk=pk).first() if pk else None
    )
    if conversation is None:
        raise NotFound(message)
    return conversation


# --- Lists of the seed-000 API (the caller filters, orders and paginates) ------------------


def _tag_names():
    from django.db.models import Prefetch

    from .models import Tag

    return Prefetch("tags", queryset=Tag.objects.only("id", "name"))


def fans_with_tags(*, creator: Creator):
    """The creator's fans with their tags prefetched: one query per page for all tags."""
    return Fan.objects.filter(creator=creator).prefetch_related(_tag_names())


def conversations_with_tags(*, creator: Creator):
    return Conversation.objects.filter(creator=creator).prefetch_related(_tag_names())


def conversation_messages(*, conversation: Conversation):
    from .models import Message

    return Message.objects.filter(conversation=conversation)


def creator_transactions(*, creator: Creator):
    from .models import Transaction

    return Transaction.objects.filter(creator=creator)
