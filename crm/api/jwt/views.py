"""The seed-000 CRM endpoints: fans, conversations, messages, transactions (`/api/crm/...`).

Authentication, the creator, the write budget and the error format come from
`CrmSurfaceView`; lists are declared on `CrmListView` (a selector's rows, the shared FilterSet, a
whitelisted `ordering`, keyset cursors) and objects on `CrmApiView`. Reads start from
`self.creator` (another creator's id is a 404), writes go through `crm.services`.
"""

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from core.api.cursors import orderings, sort_by
from core.api.schema import WRITE_HEADERS_DOC, envelope, errors, list_parameters
from core.exceptions import InvalidInput
from crm import campaigns, delivery, selectors, services
from crm.choices import Direction
from crm.delivery import VIA_API
from crm.filters import ConversationFilterSet, FanFilterSet, TransactionFilterSet
from crm.teams import assignment
from crm.teams.policy import Action

from ..base import CrmApiView, CrmListView
from ..campaign_fields import ScheduledMessageSerializer
from ..transaction_fields import transaction_record_from
from . import serializers as s

FAN_ORDERINGS = orderings(
    sort_by("-id"),
    sort_by("id"),
    sort_by("-created_at"),
    sort_by("created_at"),
    sort_by("-value_cents"),
    sort_by("value_cents"),
    sort_by("name"),
    sort_by("-name"),
)
CONVERSATION_ORDERINGS = orderings(
    sort_by("-id"),
    sort_by("id"),
    sort_by("-last_message_at", nullable=True),
    sort_by("last_message_at", nullable=True),
    sort_by("-created_at"),
    sort_by("created_at"),
    sort_by("-unread_count"),
)
MESSAGE_ORDERINGS = orderings(
    sort_by("created_at"),
    sort_by("-created_at"),
)
TRANSACTION_ORDERINGS = orderings(
    sort_by("-occurred_at"),
    sort_by("occurred_at"),
    sort_by("-id"),
    sort_by("id"),
)

# --- Fans ----------------------------------------------------------------------------------


# What each field of a PATCH needs (crm.teams.policy); a fan field not listed needs fans.write.
FAN_FIELD_ACTIONS = {"tags": Action.FANS_TAG, "notes": Action.FANS_NOTES}
CONVERSATION_FIELD_ACTIONS = {
    "is_archived": Action.INBOX_ARCHIVE,
    "tags": Action.INBOX_TAG,
    "read": Action.INBOX_READ,
}


class FanListView(CrmListView):
    policy_actions = {"GET": Action.FANS_READ, "POST": Action.FANS_WRITE}
    selector = selectors.fans_with_tags
    filterset_class = FanFilterSet
    orderings = FAN_ORDERINGS
    serializer_class = s.FanSerializer
    list_key, item_key = "fans", "fan"

    @extend_schema(
        operation_id="crm_fans_list",
        summary="List fans",
        parameters=list_parameters(FanFilterSet, FAN_ORDERINGS, "-id"),
        responses={200: envelope("FanList", "fans", s.FanSerializer, many=True), **errors(400, 401, 403)},
    )
    def get(self, request):
        return self.list()

    @extend_schema(
        operation_id="crm_fans_create",
        summary="Create a fan",
        description="`value_cents` becomes an opening-balance transaction. " + WRITE_HEADERS_DOC,
        request=s.FanCreateSerializer,
        responses={201: envelope("FanResponse", "fan", s.FanSerializer), **errors(400, 401, 403, 409, 413, 429)},
    )
    def post(self, request):
        data = self.validated(s.FanCreateSerializer)
        fan = services.fan_create(
            creator=self.creator,
            name=data["name"],
            platform=data["platform"],
            platform_id=data["platform_id"],
            handle=data.get("handle") or "",
            tags=data.get("tags", ()),
            opening_balance_cents=data.get("value_cents", 0),
        )
        return self.answer(fan, created=True)


class FanDetailView(CrmApiView):
    policy_actions = {"GET": Action.FANS_READ, "PATCH": Action.FANS_READ, "DELETE": Action.FANS_DELETE}  # PATCH: per field
    serializer_class = s.FanSerializer
    item_key = "fan"

    def get_fan(self, fan_id):
        return selectors.fan_get(creator=self.creator, fan_id=fan_id)

    @extend_schema(
        operation_id="crm_fans_retrieve",
        summary="A fan",
        responses={200: envelope("FanResponse", "fan", s.FanSerializer), **errors(401, 403, 404)},
    )
    def get(self, request, fan_id):
        return self.answer(self.get_fan(fan_id))

    @extend_schema(
        operation_id="crm_fans_update",
        summary="Change a fan",
        description="Partial update; `value_cents` is the ledger's sum and cannot be set. " + WRITE_HEADERS_DOC,
        request=s.FanUpdateSerializer,
        responses={200: envelope("FanResponse", "fan", s.FanSerializer), **errors(400, 401, 403, 404, 409, 429)},
    )
    def patch(self, request, fan_id):
        fan = self.get_fan(fan_id)
        data = dict(self.validated(s.FanUpdateSerializer))
        for field in data:  # a chatter may change tags and notes, nothing else
            self.require(FAN_FIELD_ACTIONS.get(field, Action.FANS_WRITE))
        if "handle" in data:
            data["handle"] = data["handle"] or ""
        do_not_contact = data.pop("do_not_contact", None)
        reason = data.pop("do_not_contact_reason", "")
        with transaction.atomic():
            # fan_update keeps the instance current (tags and updated_at included): no reload.
            fan = services.fan_update(fan=fan, **data)
            if do_not_contact is not None:
                services.fan_do_not_contact(fan=fan, do_not_contact=do_not_contact, reason=reason)
        return self.answer(fan)

    @extend_schema(
        operation_id="crm_fans_destroy",
        summary="Delete a fan with their conversations, messages and transactions",
        responses={204: None, **errors(401, 403, 404, 429)},
    )
    def delete(self, request, fan_id):
        services.fan_delete(fan=self.get_fan(fan_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Conversations -------------------------------------------------------------------------


class ConversationListView(CrmListView):
    policy_actions = {"GET": Action.INBOX_READ, "POST": Action.INBOX_REPLY}

    def filterset_kwargs(self) -> dict:
        return {"user_id": self.member.user.pk}  # `assigned=mine`
    selector = selectors.conversations_list
    filterset_class = ConversationFilterSet
    orderings = CONVERSATION_ORDERINGS
    serializer_class = s.ConversationSerializer
    list_key, item_key = "conversations", "conversation"

    @extend_schema(
        operation_id="crm_conversations_list",
        summary="List conversations",
        parameters=list_parameters(ConversationFilterSet, CONVERSATION_ORDERINGS, "-id"),
        responses={
            200: envelope("ConversationList", "conversations", s.ConversationSerializer, many=True),
            **errors(400, 401, 403),
        },
    )
    def get(self, request):
        return self.list()

    @extend_schema(
        operation_id="crm_conversations_create",
        summary="Open a conversation with a fan",
        description="The fan's open conversation on that platform is reused (200); otherwise a new "
        "one is created (201). `platform` defaults to the fan's. " + WRITE_HEADERS_DOC,
        request=s.ConversationCreateSerializer,
        responses={
            200: envelope("ConversationResponse", "conversation", s.ConversationSerializer),
            201: envelope("ConversationResponse", "conversation", s.ConversationSerializer),
            **errors(400, 401, 403, 404, 429),
        },
    )
    def post(self, request):
        data = self.validated(s.ConversationCreateSerializer)
        fan = selectors.fan_get(creator=self.creator, fan_id=data["fanId"])
        conversation, created = services.conversation_open(fan=fan, platform=data.get("platform"), reuse=True)
        return self.answer(conversation, created=created)


class ConversationDetailView(CrmApiView):
    policy_actions = {"GET": Action.INBOX_READ, "PATCH": Action.INBOX_READ}  # PATCH: per field
    serializer_class = s.ConversationSerializer
    item_key = "conversation"

    def get_conversation(self, conversation_id):
        return selectors.conversation_get(creator=self.creator, conversation_id=conversation_id)

    @extend_schema(
        operation_id="crm_conversations_retrieve",
        summary="A conversation",
        responses={
            200: envelope("ConversationResponse", "conversation", s.ConversationSerializer),
            **errors(401, 403, 404),
        },
    )
    def get(self, request, conversation_id):
        return self.answer(self.get_conversation(conversation_id))

    @extend_schema(
        operation_id="crm_conversations_update",
        summary="Archive, mark read, tag or assign a conversation",
        description="`read: true` marks every incoming message read; `read: false` changes nothing. "
        + WRITE_HEADERS_DOC,
        request=s.ConversationUpdateSerializer,
        responses={
            200: envelope("ConversationResponse", "conversation", s.ConversationSerializer),
            **errors(400, 401, 403, 404, 429),
        },
    )
    def patch(self, request, conversation_id):
        conversation = self.get_conversation(conversation_id)
        data = self.validated(s.ConversationUpdateSerializer)
        for field in data:
            if field != "assignee_id":  # who may assign whom: the assignment rule's own check
                self.require(CONVERSATION_FIELD_ACTIONS[field])
        if "assignee_id" in data:
            conversation = assignment.conversation_assign(
                conversation=conversation, assignee_id=data["assignee_id"], member=self.member
            )
        if "is_archived" in data or "tags" in data:
            conversation = services.conversation_update(
                conversation=conversation, is_archived=data.get("is_archived"), tags=data.get("tags")
            )
        if data.get("read"):
            conversation = services.conversation_mark_read(conversation=conversation)
        # Both services keep the instance current: no reload.
        return self.answer(conversation)


class ConversationMessagesView(CrmListView):
    policy_actions = {"GET": Action.INBOX_READ, "POST": Action.INBOX_REPLY}
    orderings = MESSAGE_ORDERINGS
    default_ordering = "created_at"
    serializer_class = s.MessageSerializer
    list_key, item_key = "messages", "message"

    def get_queryset(self):
        conversation = selectors.conversation_get(creator=self.creator, conversation_id=self.kwargs["conversation_id"])
        return selectors.conversation_messages(conversation=conversation)

    @extend_schema(
        operation_id="crm_messages_list",
        summary="Messages of a conversation, oldest first",
        parameters=list_parameters(None, MESSAGE_ORDERINGS, "created_at"),
        responses={
            200: envelope("MessageList", "messages", s.MessageSerializer, many=True),
            **errors(400, 401, 403, 404),
        },
    )
    def get(self, request, conversation_id):
        return self.list()

    @extend_schema(
        operation_id="crm_messages_create",
        summary="Send a message from the creator",
        description=WRITE_HEADERS_DOC,
        request=s.MessageCreateSerializer,
        responses={201: envelope("MessageResponse", "message", s.MessageSerializer), **errors(400, 401, 403, 404, 429)},
    )
    def post(self, request, conversation_id):
        conversation = selectors.conversation_get(creator=self.creator, conversation_id=conversation_id)
        data = self.validated(s.MessageCreateSerializer)
        if "send_at" in data:
            if data.get("reply_to"):
                raise InvalidInput("A scheduled message cannot reply to a comment", field="reply_to")
            scheduled = campaigns.scheduled_message_create(
                conversation=conversation,
                text=data["text"],
                price_cents=data.get("price_cents", 0),
                send_at=campaigns.parse_send_at_iso(data["send_at"]),
                via=VIA_API,
            )
            return Response({"scheduled_message": ScheduledMessageSerializer(scheduled).data}, status=202)
        reply_to = None
        if data.get("reply_to"):
            reply_to = delivery.reply_target(conversation=conversation, message_id=data["reply_to"])
        message = services.message_add(
            conversation=conversation,
            reply_to=reply_to,
            direction=Direction.OUTGOING,
            text=data["text"],
            price_cents=data.get("price_cents", 0),
            sent_by_ai=data.get("sent_by_ai", False),
            via=VIA_API,
        )
        return self.answer(message, created=True)


# --- Transactions --------------------------------------------------------------------------


class TransactionListView(CrmListView):
    policy_actions = {"GET": Action.REVENUE_READ, "POST": Action.MONEY_RECORD}
    selector = selectors.creator_transactions
    filterset_class = TransactionFilterSet
    orderings = TRANSACTION_ORDERINGS
    default_ordering = "-occurred_at"
    serializer_class = s.TransactionSerializer
    list_key, item_key = "transactions", "transaction"

    @extend_schema(
        operation_id="crm_transactions_list",
        summary="The revenue ledger, newest first",
        parameters=list_parameters(TransactionFilterSet, TRANSACTION_ORDERINGS, "-occurred_at"),
        responses={
            200: envelope("TransactionList", "transactions", s.TransactionSerializer, many=True),
            **errors(400, 401, 403),
        },
    )
    def get(self, request):
        return self.list()

    @extend_schema(
        operation_id="crm_transactions_create",
        summary="Record a transaction",
        description="A known `external_id` (per platform) answers 200 with the recorded transaction "
        "instead of recording it twice. " + WRITE_HEADERS_DOC,
        request=s.TransactionCreateSerializer,
        responses={
            200: envelope("TransactionResponse", "transaction", s.TransactionSerializer),
            201: envelope("TransactionResponse", "transaction", s.TransactionSerializer),
            **errors(400, 401, 403, 404, 429),
        },
    )
    def post(self, request):
        data = self.validated(s.TransactionCreateSerializer)
        fan = selectors.fan_get(creator=self.creator, fan_id=data["fanId"])
        txn, created = transaction_record_from(fan, data)
        return self.answer(txn, created=created)
