"""Reads that start from the requesting creator: another creator's id behaves as a missing id."""

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from core.crypto import token_hash
from core.lookups import owned_get

from .models import ApiKey, Conversation, Creator, Fan, Message, PlatformAccount, Tag, Transaction


def api_key_active_by_raw(raw_key: str) -> ApiKey | None:
    return (
        ApiKey.objects.select_related("creator__user")
        .filter(key_hash=token_hash(raw_key), revoked_at__isnull=True)
        .first()
    )


def creator_by_slug(slug: str) -> Creator | None:
    return Creator.objects.select_related("user").filter(slug=slug).first()


def contactable_creator(slug: str) -> Creator | None:
    """The creator a public contact form may reach: slug as typed (any case, spaces), account active."""
    creator = creator_by_slug(slug.strip().lower())
    return creator if creator is not None and creator.user.is_active else None


def fan_get(*, creator: Creator, fan_id, message: str = "Fan not found") -> Fan:
    return owned_get(Fan.objects.filter(creator=creator), fan_id, message)


def conversation_get(
    *, creator: Creator, conversation_id, message: str = "Conversation not found"
) -> Conversation:
    return owned_get(
        Conversation.objects.select_related("fan").filter(creator=creator), conversation_id, message
    )


# --- Lists with per-row counters (seed-002 API, pages) ----------------------------------------


def fans_with_conversation_counts(queryset):
    """Annotate each fan with `unread_total` and `conversation_total` over their conversations.

    Correlated subqueries (one per row, answered from the conversation (fan, ...) index) keep the
    list at one query whatever the page size, and leave the count query of the page untouched.
    """
    per_fan = Conversation.objects.filter(fan=OuterRef("pk")).order_by().values("fan")
    return queryset.annotate(
        unread_total=Coalesce(
            Subquery(per_fan.annotate(s=Sum("unread_count")).values("s"), output_field=IntegerField()),
            Value(0),
        ),
        conversation_total=Coalesce(
            Subquery(per_fan.annotate(c=Count("pk")).values("c"), output_field=IntegerField()),
            Value(0),
        ),
    )


def fan_get_with_counts(*, creator: Creator, fan_id, message: str = "Fan not found") -> Fan:
    return owned_get(fans_with_conversation_counts(Fan.objects.filter(creator=creator)), fan_id, message)


def fan_match_contact(*, creator: Creator, email_hash: str = "", phone_hash: str = "") -> Fan | None:
    """The creator's oldest fan with this email hash, else with this phone hash."""
    if email_hash:
        fan = Fan.objects.filter(creator=creator, email_hash=email_hash).order_by("id").first()
        if fan is not None:
            return fan
    if phone_hash:
        return Fan.objects.filter(creator=creator, phone_hash=phone_hash).order_by("id").first()
    return None


def message_get(*, creator: Creator, message_id, message: str = "Message not found") -> Message:
    return owned_get(
        Message.objects.select_related("conversation", "fan").filter(creator=creator), message_id, message
    )


# --- Lists of the seed-000 API (the caller filters, orders and paginates) ------------------


def _tag_names():
    return Prefetch("tags", queryset=Tag.objects.only("id", "name"))


def fans_with_tags(*, creator: Creator):
    """The creator's fans with their tags prefetched: one query per page for all tags."""
    return Fan.objects.filter(creator=creator).prefetch_related(_tag_names())


def conversations_with_tags(*, creator: Creator):
    return Conversation.objects.filter(creator=creator).prefetch_related(_tag_names())


def conversation_messages(*, conversation: Conversation):
    return Message.objects.filter(conversation=conversation)


def creator_transactions(*, creator: Creator):
    return Transaction.objects.filter(creator=creator)


def fan_by_platform_id(*, creator: Creator, platform: str, platform_id: str) -> Fan | None:
    """The creator's fan known on a platform by that id (webhooks match fans this way)."""
    return Fan.objects.filter(creator=creator, platform=platform, platform_id=platform_id).first()


def fan_has_platform_message(*, fan: Fan, platform: str, platform_message_id: str) -> bool:
    """Whether a platform message is already recorded in any of the fan's threads on that platform."""
    return Message.objects.filter(
        fan=fan, conversation__platform=platform, platform_message_id=platform_message_id
    ).exists()


def platform_account_creator_ids(*, platform: str, external_account_ids) -> dict[str, int]:
    """external account id → creator id, for the connected accounts among these ids."""
    return dict(
        PlatformAccount.objects.filter(platform=platform, external_account_id__in=list(external_account_ids))
        .values_list("external_account_id", "creator_id")
    )
