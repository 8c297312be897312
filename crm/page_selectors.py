"""Reads for the creator pages. Every query starts from the creator; each page is a fixed number
of queries however many rows it shows (related rows are prefetched, never loaded per row)."""

from django.db.models import Prefetch, QuerySet

from core.exceptions import NotFound
from core.keyset import Key, Ordering, Page
from core.lookups import owned_get, parse_id
from core.page_cursors import paginate

from .filters import ConversationFilterSet, FanFilterSet
from .models import ApiKey, Conversation, Creator, Fan, Message, PlatformAccount, Tag, Transaction
from .selectors import fan_get

PAGE_SIZE = 25
THREAD_PAGE_SIZE = 30
FAN_SECTION_SIZE = 20

FAN_SORTS = {
    "value": ("Highest value", Ordering((Key("value_cents"), Key("id")))),
    "activity": ("Last activity", Ordering((Key("last_seen_at", nullable=True), Key("id")))),
    "newest": ("Newest", Ordering((Key("id"),))),
}
DEFAULT_FAN_SORT = "activity"

INBOX_SORTS = {
    "unread": (
        "Unread first",
        Ordering((Key("unread_count"), Key("last_message_at", nullable=True), Key("id"))),
    ),
    "recent": ("Last activity", Ordering((Key("last_message_at", nullable=True), Key("id")))),
}
DEFAULT_INBOX_SORT = "unread"

_TAGS_BY_NAME = Prefetch("tags", queryset=Tag.objects.only("id", "name").order_by("name"))


def creator_tag_names(*, creator: Creator) -> list[str]:
    return list(Tag.objects.filter(creator=creator).order_by("name").values_list("name", flat=True))


def fans_page(
    *, creator: Creator, filters: FanFilterSet, sort: str, after: str = "", before: str = "", size: int | None = None
) -> Page:
    """One page of the creator's fans, filtered by the API's FilterSet (already bound to the query)."""
    ordering = FAN_SORTS.get(sort, FAN_SORTS[DEFAULT_FAN_SORT])[1]
    size = size or PAGE_SIZE
    # Tag names are unique per creator, so the tag filter's join matches at most one row per fan
    # (no DISTINCT needed). Invalid filter values are reported on the form and not applied.
    # The list shows no private fields: deferring them skips three decryptions per row.
    queryset = filters.qs.filter(creator=creator).defer("email", "phone", "notes").prefetch_related(_TAGS_BY_NAME)
    return paginate(queryset, ordering, size=size, after=after, before=before)


def fan_filterset(*, creator: Creator, data) -> FanFilterSet:
    return FanFilterSet(data=data, queryset=Fan.objects.filter(creator=creator))


def fan_with_tags(*, creator: Creator, fan_id) -> Fan:
    fan = fan_get(creator=creator, fan_id=fan_id)
    fan.tag_names = [tag.name for tag in fan.tags.order_by("name")]
    return fan


def fan_transactions_page(*, fan: Fan, after: str = "", before: str = "", size: int | None = None) -> Page:
    size = size or FAN_SECTION_SIZE
    ordering = Ordering((Key("occurred_at"), Key("id")))
    return paginate(Transaction.objects.filter(fan=fan), ordering, size=size, after=after, before=before)


def fan_conversations(*, fan: Fan, size: int = FAN_SECTION_SIZE) -> list[Conversation]:
    ordering = INBOX_SORTS["recent"][1]
    return list(
        Conversation.objects.filter(creator_id=fan.creator_id, fan=fan).order_by(*ordering.order_by())[:size]
    )


def conversation_filterset(*, creator: Creator, data) -> ConversationFilterSet:
    data = data.copy()
    # The inbox shows open threads unless asked for archived ones.
    data.setdefault("archived", "false")
    return ConversationFilterSet(data=data, queryset=Conversation.objects.filter(creator=creator))


def conversations_page(
    *, creator: Creator, filters: ConversationFilterSet, sort: str, after: str = "", before: str = "", size: int | None = None
) -> Page:
    ordering = INBOX_SORTS.get(sort, INBOX_SORTS[DEFAULT_INBOX_SORT])[1]
    size = size or PAGE_SIZE
    queryset = (
        filters.qs.filter(creator=creator)
        .select_related("fan")
        .only(
            "id", "platform", "subject", "is_archived", "unread_count", "message_count", "last_message_at",
            "created_at", "fan__id", "fan__name", "fan__handle",
        )
        .prefetch_related(_TAGS_BY_NAME)
    )
    return paginate(queryset, ordering, size=size, after=after, before=before)


def thread_messages_page(
    *, conversation: Conversation, before: str = "", after: str = "", size: int | None = None
) -> Page:
    """The latest messages of a thread, shown oldest to newest; "older" walks back in time.

    Read newest-first, so the first page is the latest `size` messages; rows are flipped for
    display. `next_cursor` leads to older messages (`?before=`), `prev_cursor` to newer (`?after=`).
    """
    ordering = Ordering((Key("created_at"), Key("id")))
    size = size or THREAD_PAGE_SIZE
    page = paginate(
        Message.objects.filter(conversation=conversation), ordering, size=size, after=before, before=after
    )
    page.rows.reverse()
    return page


def message_with_attachment(*, creator: Creator, conversation_id, message_id) -> Message:
    conversation_pk = parse_id(conversation_id)
    if conversation_pk is None:
        raise NotFound("Attachment not found")
    messages = Message.objects.filter(creator=creator, conversation_id=conversation_pk).exclude(attachment="")
    return owned_get(messages, message_id, "Attachment not found")


def api_keys_list(*, creator: Creator) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(creator=creator).order_by("-created_at", "-id")


def api_key_get(*, creator: Creator, key_id) -> ApiKey:
    return owned_get(ApiKey.objects.filter(creator=creator), key_id, "API key not found")


def platform_accounts_list(*, creator: Creator, platform: str) -> list[PlatformAccount]:
    return list(PlatformAccount.objects.filter(creator=creator, platform=platform))


def platform_account_get(*, creator: Creator, account_id) -> PlatformAccount:
    return owned_get(PlatformAccount.objects.filter(creator=creator), account_id, "Account not found")
