"""Every read of the CRM's data, for every surface: pages, /api/crm, /api/v1, admin, webhooks.

Reads start from the requesting creator: another creator's id behaves as a missing id. Lists
are a fixed number of queries however many rows they show (related rows are prefetched or
annotated, never loaded per row). The surfaces filter a list with the shared FilterSets
(crm.filters) and page it their own way: keyset pages on the pages and /api/crm, page/limit
on /api/v1.
"""

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from core.crypto import token_hash
from core.exceptions import NotFound
from core.keyset import Key, Ordering, Page
from core.lookups import owned_get, parse_id
from core.page_cursors import paginate

from .choices import DeliveryStatus, Direction, Platform
from .filters import ConversationFilterSet, FanFilterSet
from .models import (
    ApiKey,
    ChatVisitor,
    Conversation,
    Creator,
    Fan,
    Message,
    PlatformAccount,
    SavedReply,
    ScheduledMessage,
    Tag,
    Transaction,
)

# Page sizes of the HTML lists (the APIs take theirs from the request).
PAGE_SIZE = 25
THREAD_PAGE_SIZE = 30
FAN_SECTION_SIZE = 20

# The encrypted columns: lists never show them, so they are neither loaded nor decrypted.
FAN_PRIVATE_FIELDS = ("email", "phone", "notes")

_TAGS_BY_NAME = Prefetch("tags", queryset=Tag.objects.only("id", "name").order_by("name"))


# --- Creators and keys ---------------------------------------------------------------------


def creator_by_slug(slug: str) -> Creator | None:
    return Creator.objects.select_related("user").filter(slug=slug).first()


def contactable_creator(slug: str) -> Creator | None:
    """The creator a public contact form may reach: slug as typed (any case, spaces), account active."""
    creator = creator_by_slug(slug.strip().lower())
    return creator if creator is not None and creator.user.is_active else None


def api_key_active_by_raw(raw_key: str) -> ApiKey | None:
    return (
        ApiKey.objects.select_related("creator__user")
        .filter(key_hash=token_hash(raw_key), revoked_at__isnull=True)
        .first()
    )


def api_keys_list(*, creator: Creator) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(creator=creator).order_by("-created_at", "-id")


def api_key_get(*, creator: Creator, key_id) -> ApiKey:
    return owned_get(ApiKey.objects.filter(creator=creator), key_id, "API key not found")


# --- Tags ----------------------------------------------------------------------------------


def creator_tag_names(*, creator: Creator) -> list[str]:
    return list(Tag.objects.filter(creator=creator).order_by("name").values_list("name", flat=True))


def tag_names_of(obj: Fan | Conversation) -> list[str]:
    """A fan's or conversation's tag names by name (Tag.Meta.ordering); a list's prefetch is used."""
    return [tag.name for tag in obj.tags.all()]


# --- Fans ----------------------------------------------------------------------------------

FAN_SORTS = {
    "value": ("Highest value", Ordering((Key("value_cents"), Key("id")))),
    "activity": ("Last activity", Ordering((Key("last_seen_at", nullable=True), Key("id")))),
    "newest": ("Newest", Ordering((Key("id"),))),
}
DEFAULT_FAN_SORT = "activity"


def fan_get(*, creator: Creator, fan_id, message: str = "Fan not found") -> Fan:
    return owned_get(Fan.objects.filter(creator=creator), fan_id, message)


def fans_list(*, creator: Creator) -> QuerySet[Fan]:
    """The creator's fans as every list shows them: without the private columns.

    The one fan list of the pages, /api/crm, /api/v1 (each filters it with FanFilterSet).
    Tag names are unique per creator, so the tag filter's join matches at most one row per fan
    (no DISTINCT needed).
    """
    return Fan.objects.filter(creator=creator).defer(*FAN_PRIVATE_FIELDS)


def fans_with_tags(*, creator: Creator) -> QuerySet[Fan]:
    """The fan list with the tags of a page prefetched: one query for all of them."""
    return fans_list(creator=creator).prefetch_related(_TAGS_BY_NAME)


def fan_filterset(*, creator: Creator, data) -> FanFilterSet:
    """The fans list filtered by request parameters (the pages', with tags)."""
    return FanFilterSet(data=data, queryset=fans_with_tags(creator=creator))


def fans_page(
    *, creator: Creator, filters: FanFilterSet, sort: str, after: str = "", before: str = "", size: int | None = None
) -> Page:
    """One keyset page of the fans page. Invalid filter values are reported on the form, not applied."""
    ordering = FAN_SORTS.get(sort, FAN_SORTS[DEFAULT_FAN_SORT])[1]
    return paginate(filters.qs, ordering, size=size or PAGE_SIZE, after=after, before=before)


def fans_with_conversation_counts(queryset: QuerySet[Fan]) -> QuerySet[Fan]:
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


def fan_list_rows_with_counts(queryset: QuerySet[Fan]) -> QuerySet[Fan]:
    """The rows of a page of the client list: counters, no private columns."""
    return fans_with_conversation_counts(queryset.defer(*FAN_PRIVATE_FIELDS))


def fan_get_with_counts(*, creator: Creator, fan_id, message: str = "Fan not found") -> Fan:
    return owned_get(fans_with_conversation_counts(Fan.objects.filter(creator=creator)), fan_id, message)


def fan_with_tags(*, creator: Creator, fan_id) -> Fan:
    """The fan page's fan, with `tag_names`."""
    fan = fan_get(creator=creator, fan_id=fan_id)
    fan.tag_names = tag_names_of(fan)
    return fan


def fan_match_contact(*, creator: Creator, email_hash: str = "", phone_hash: str = "") -> Fan | None:
    """The creator's oldest fan with this email hash, else with this phone hash."""
    if email_hash:
        fan = Fan.objects.filter(creator=creator, email_hash=email_hash).order_by("id").first()
        if fan is not None:
            return fan
    if phone_hash:
        return Fan.objects.filter(creator=creator, phone_hash=phone_hash).order_by("id").first()
    return None


def fan_by_platform_id(*, creator: Creator, platform: str, platform_id: str) -> Fan | None:
    """The creator's fan known on a platform by that id (webhooks match fans this way)."""
    return Fan.objects.filter(creator=creator, platform=platform, platform_id=platform_id).first()


def fan_platform_id_taken(*, creator: Creator, platform: str, platform_id: str, fan_id=None) -> bool:
    """Whether another of the creator's fans already has this platform id."""
    return Fan.objects.filter(creator=creator, platform=platform, platform_id=platform_id).exclude(pk=fan_id).exists()


def fan_transactions_page(*, fan: Fan, after: str = "", before: str = "", size: int | None = None) -> Page:
    ordering = Ordering((Key("occurred_at"), Key("id")))
    return paginate(
        Transaction.objects.filter(fan=fan), ordering, size=size or FAN_SECTION_SIZE, after=after, before=before
    )


# --- Conversations -------------------------------------------------------------------------

INBOX_SORTS = {
    "unread": (
        "Unread first",
        Ordering((Key("unread_count"), Key("last_message_at", nullable=True), Key("id"))),
    ),
    "recent": ("Last activity", Ordering((Key("last_message_at", nullable=True), Key("id")))),
}
DEFAULT_INBOX_SORT = "unread"


def conversation_get(
    *, creator: Creator, conversation_id, message: str = "Conversation not found"
) -> Conversation:
    return owned_get(
        Conversation.objects.select_related("fan").filter(creator=creator), conversation_id, message
    )


def conversations_list(*, creator: Creator) -> QuerySet[Conversation]:
    """The creator's conversations with their tags prefetched (the APIs' list)."""
    return Conversation.objects.filter(creator=creator).prefetch_related(_TAGS_BY_NAME)


def conversations_with_fans(queryset: QuerySet[Conversation]) -> QuerySet[Conversation]:
    """Rows that show their fan's name and identifier: one join, no query per row."""
    return queryset.select_related("fan").prefetch_related(_TAGS_BY_NAME)


def conversation_filterset(*, creator: Creator, data, user_id=None) -> ConversationFilterSet:
    """The inbox's filters; it shows open threads unless asked for archived ones. `user_id`:
    whose conversations `assigned=mine` shows."""
    data = data.copy()
    data.setdefault("archived", "false")
    return ConversationFilterSet(data=data, queryset=Conversation.objects.filter(creator=creator), user_id=user_id)


def inbox_counts(*, creator: Creator) -> dict:
    """The inbox's header figures: unread messages and unassigned open conversations (one query)."""
    return Conversation.objects.filter(creator=creator, is_archived=False).aggregate(
        unread=Coalesce(Sum("unread_count"), 0),
        unassigned=Count("pk", filter=Q(assignee__isnull=True)),
    )


def conversations_page(
    *, creator: Creator, filters: ConversationFilterSet, sort: str, after: str = "", before: str = "", size: int | None = None
) -> Page:
    ordering = INBOX_SORTS.get(sort, INBOX_SORTS[DEFAULT_INBOX_SORT])[1]
    queryset = (
        filters.qs.filter(creator=creator)
        .select_related("fan")
        .only(
            "id", "platform", "subject", "is_archived", "assignee", "unread_count", "message_count", "last_message_at",
            "created_at", "fan__id", "fan__name", "fan__handle", "fan__do_not_contact",
        )
        .prefetch_related(_TAGS_BY_NAME)
        # A reply that failed for good (no automatic retry pending): the row says so.
        .annotate(
            # A visitor chat's visitor: when last seen, whether it ended (crm.chat's presence).
            chat_seen_at=Subquery(ChatVisitor.objects.filter(conversation=OuterRef("pk")).values("last_seen_at")[:1]),
            chat_ended_at=Subquery(ChatVisitor.objects.filter(conversation=OuterRef("pk")).values("ended_at")[:1]),
            delivery_failed=Exists(
                Message.objects.filter(
                    conversation=OuterRef("pk"), delivery_status=DeliveryStatus.FAILED, delivery_will_retry=False
                )
            )
        )
    )
    return paginate(queryset, ordering, size=size or PAGE_SIZE, after=after, before=before)


def fan_conversations(*, fan: Fan, size: int = FAN_SECTION_SIZE) -> list[Conversation]:
    ordering = INBOX_SORTS["recent"][1]
    return list(
        Conversation.objects.filter(creator_id=fan.creator_id, fan=fan).order_by(*ordering.order_by())[:size]
    )


# --- Messages ------------------------------------------------------------------------------


def message_get(*, creator: Creator, message_id, message: str = "Message not found") -> Message:
    return owned_get(
        Message.objects.select_related("conversation", "fan").filter(creator=creator), message_id, message
    )


def conversation_message(*, conversation: Conversation, message_id, message: str = "Message not found") -> Message:
    """One message of this conversation (a reply's comment, a retried message)."""
    return owned_get(Message.objects.filter(conversation=conversation), message_id, message)


def fan_outgoing_message(*, fan: Fan, message_id) -> Message | None:
    """A message sent to this fan, by id (the PPV a transaction unlocks), or None."""
    if isinstance(message_id, bool) or not str(message_id).isdigit():
        return None
    return Message.objects.filter(fan=fan, direction=Direction.OUTGOING, pk=int(message_id)).first()


def conversation_messages(*, conversation: Conversation) -> QuerySet[Message]:
    return Message.objects.filter(conversation=conversation)


def conversation_messages_with_fans(*, conversation: Conversation) -> QuerySet[Message]:
    """A thread's messages with their fan joined (a client's message shows the fan's name)."""
    return conversation_messages(conversation=conversation).select_related("fan")


def conversation_attachments(*, conversation: Conversation) -> QuerySet[Message]:
    """A thread's messages that carry a file, with their fan joined."""
    return conversation_messages_with_fans(conversation=conversation).exclude(attachment="")


def thread_messages_page(
    *, conversation: Conversation, before: str = "", after: str = "", size: int | None = None
) -> Page:
    """The latest messages of a thread, shown oldest to newest; "older" walks back in time.

    Read newest-first, so the first page is the latest `size` messages; rows are flipped for
    display. `next_cursor` leads to older messages (`?before=`), `prev_cursor` to newer (`?after=`).
    """
    ordering = Ordering((Key("created_at"), Key("id")))
    page = paginate(
        conversation_messages(conversation=conversation),
        ordering,
        size=size or THREAD_PAGE_SIZE,
        after=before,
        before=after,
    )
    page.rows.reverse()
    return page


def unread_total(*, creator_id: int) -> int:
    """The unread messages of the creator's open conversations: the nav badge."""
    return (
        Conversation.objects.filter(creator_id=creator_id, is_archived=False, unread_count__gt=0)
        .aggregate(total=Sum("unread_count"))["total"]
        or 0
    )


def messages_for_live(*, creator_id: int, message_ids) -> dict[int, Message]:
    """The messages live events name, with their conversation and fan (one query), by id;
    another creator's id or a deleted message is simply absent."""
    rows = Message.objects.filter(creator_id=creator_id, pk__in=list(message_ids)).select_related("conversation", "fan")
    return {m.pk: m for m in rows}


def message_with_attachment(*, creator: Creator, conversation_id, message_id) -> Message:
    conversation_pk = parse_id(conversation_id)
    if conversation_pk is None:
        raise NotFound("Attachment not found")
    messages = Message.objects.filter(creator=creator, conversation_id=conversation_pk).exclude(attachment="")
    return owned_get(messages, message_id, "Attachment not found")


def fan_has_platform_message(*, fan: Fan, platform: str, platform_message_id: str) -> bool:
    """Whether a platform message is already recorded in any of the fan's threads on that platform."""
    return Message.objects.filter(
        fan=fan, conversation__platform=platform, platform_message_id=platform_message_id
    ).exists()


def message_awaiting_echo(*, fan: Fan, platform: str, text: str) -> Message | None:
    """The fan's outgoing message on the platform whose delivery is in flight (`sending`), ended
    unknown, or was taken without an id, with this text: what an echo of our own send is about."""
    return (
        Message.objects.filter(
            fan=fan,
            conversation__platform=platform,
            direction="out",
            text=text,
            platform_message_id__isnull=True,
        )
        .filter(
            Q(delivery_status__in=[DeliveryStatus.SENDING, DeliveryStatus.SENT])
            | Q(delivery_status=DeliveryStatus.FAILED, delivery_error_code=UNKNOWN_OUTCOME_CODE)
        )
        .order_by("created_at", "id")
        .first()
    )


# The code of a delivery whose outcome is unknown (the worker died, or the answer was lost).
UNKNOWN_OUTCOME_CODE = "unknown"


# --- Money ---------------------------------------------------------------------------------


def creator_transactions(*, creator: Creator) -> QuerySet[Transaction]:
    return Transaction.objects.filter(creator=creator)


# --- Scheduled messages (crm.campaigns) ------------------------------------------------------


def scheduled_messages(*, creator: Creator) -> QuerySet[ScheduledMessage]:
    """Every scheduled message of the creator, waiting or not (the lists filter by status)."""
    return ScheduledMessage.objects.filter(creator=creator)


def scheduled_message_get(*, creator: Creator, scheduled_id, message: str = "Scheduled message not found") -> ScheduledMessage:
    return owned_get(ScheduledMessage.objects.filter(creator=creator), scheduled_id, message)


# --- Platform accounts ---------------------------------------------------------------------


def platform_accounts_list(*, creator: Creator, platform: str) -> list[PlatformAccount]:
    return list(PlatformAccount.objects.filter(creator=creator, platform=platform))


def delivery_account(*, creator_id: int, platform: str) -> PlatformAccount | None:
    """The creator's account that delivers on this platform (switched on, with a token); with
    several, the first connected."""
    accounts = PlatformAccount.objects.filter(creator_id=creator_id, platform=platform, delivery_enabled=True)
    return next((a for a in accounts.order_by("connected_at", "id") if a.access_token), None)


def saved_replies_list(*, creator: Creator) -> list[SavedReply]:
    return list(SavedReply.objects.filter(creator=creator))


def saved_reply_get(*, creator: Creator, reply_id) -> SavedReply:
    return owned_get(SavedReply.objects.filter(creator=creator), reply_id, "Saved reply not found")


def platform_account_get(*, creator: Creator, account_id) -> PlatformAccount:
    return owned_get(PlatformAccount.objects.filter(creator=creator), account_id, "Account not found")


def platform_account_creator_ids(*, platform: str, external_account_ids) -> dict[str, int]:
    """external account id → creator id, for the connected accounts among these ids."""
    return dict(
        PlatformAccount.objects.filter(platform=platform, external_account_id__in=list(external_account_ids))
        .values_list("external_account_id", "creator_id")
    )


def conversation_is_chat(*, conversation_id: int) -> bool:
    """Whether the conversation is a visitor chat (crm.chat): its replies reach the visitor."""
    return ChatVisitor.objects.filter(conversation_id=conversation_id).exists()


def chat_visitor_of(*, conversation: Conversation) -> ChatVisitor | None:
    """The visitor of a chat conversation (with the fan their email suggests), or None."""
    if conversation.platform != Platform.DIRECT:
        return None
    return (
        ChatVisitor.objects.select_related("suggested_fan", "linked_fan")
        .only("id", "conversation_id", "creator_id", "fan_id", "token_hash", "address_hash", "email", "email_hash",
              "last_seen_at", "ended_at", "blocked_at", "created_at",
              "suggested_fan__id", "suggested_fan__name", "linked_fan__id", "linked_fan__name")
        .filter(conversation_id=conversation.pk)
        .first()
    )
