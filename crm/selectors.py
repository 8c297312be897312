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


def fan_by_platform_id(*, creator: Creator, platform: str, platform_id: str) -> Fan | None:
    """The creator's fan known on a platform by that id (webhooks match fans this way)."""
    return Fan.objects.filter(creator=creator, platform=platform, platform_id=platform_id).first()


def fan_has_platform_message(*, fan: Fan, platform: str, platform_message_id: str) -> bool:
    """Whether a platform message is already recorded in any of the fan's threads on that platform."""
    from .models import Message

    return Message.objects.filter(
        fan=fan, conversation__platform=platform, platform_message_id=platform_message_id
    ).exists()


def platform_account_creator_ids(*, platform: str, external_account_ids) -> dict[str, int]:
    """external account id → creator id, for the connected accounts among these ids."""
    from .models import PlatformAccount

    return dict(
        PlatformAccount.objects.filter(platform=platform, external_account_id__in=list(external_account_ids))
        .values_list("external_account_id", "creator_id")
    )
