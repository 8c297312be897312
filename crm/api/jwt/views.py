"""The seed-000 CRM endpoints: fans, conversations, messages, transactions (`/api/crm/...`).

Authentication, the creator, the write budget and the error format come from
`CrmSurfaceView`; reads start from `self.creator` (another creator's id is a 404), writes go
through `crm.services`. Lists: shared FilterSets, a whitelisted `ordering`, keyset cursors.
"""

from django_filters import BooleanFilter
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from core.api.cursors import orderings, paginate, sort_by
from core.api.parsers import SafeJSONParser
from core.api.schema import WRITE_HEADERS_DOC, envelope, errors, list_parameters
from core.exceptions import InvalidInput
from crm import selectors, services
from crm.choices import Direction
from crm.filters import ConversationFilterSet, FanFilterSet, TransactionFilterSet

from ..base import CrmSurfaceView
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

# Values a boolean filter understands (anything else is a 400, not a silently ignored filter).
BOOLEAN_PARAMS = frozenset({"", "true", "false", "True", "False", "1", "0"})


class CrmApiView(CrmSurfaceView):
    parser_classes = [SafeJSONParser]

    def validated(self, serializer_class) -> dict:
        if not isinstance(self.request.data, dict):
            raise InvalidInput("Invalid JSON")
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def render(self, serializer_class, instance, *, many=False):
        context = {"user_id": self.creator.user_id}
        return serializer_class(instance, many=many, context=context).data

    def filtered(self, filterset_class, queryset):
        params = self.request.query_params
        for name, filter_ in filterset_class.base_filters.items():
            # django-filter's boolean widget reads an unknown value as "no filter"; say so instead.
            if isinstance(filter_, BooleanFilter) and params.get(name, "") not in BOOLEAN_PARAMS:
                raise InvalidInput(f"Invalid {name}", field=name)
        filterset = filterset_class(params, queryset=queryset)
        if not filterset.is_valid():
            field = next(iter(filterset.errors))
            raise InvalidInput(f"Invalid {field}", field=field)
        return filterset.qs

    def page(self, queryset, available, default, key, serializer_class) -> Response:
        rows, next_cursor = paginate(queryset, self.request.query_params, available, default)
        return Response({key: self.render(serializer_class, rows, many=True), "next_cursor": next_cursor})


# --- Fans ----------------------------------------------------------------------------------


class FanListView(CrmApiView):
    @extend_schema(
        operation_id="crm_fans_list",
        summary="List fans",
        parameters=list_parameters(FanFilterSet, FAN_ORDERINGS, "-id"),
        responses={200: envelope("FanList", "fans", s.FanSerializer, many=True), **errors(400, 401, 403)},
    )
    def get(self, request):
        queryset = self.filtered(FanFilterSet, selectors.fans_with_tags(creator=self.creator))
        return self.page(queryset, FAN_ORDERINGS, "-id", "fans", s.FanSerializer)

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
        return Response({"fan": self.render(s.FanSerializer, fan)}, status=status.HTTP_201_CREATED)


class FanDetailView(CrmApiView):
    def get_fan(self, fan_id):
        return selectors.fan_get(creator=self.creator, fan_id=fan_id)

    @extend_schema(
        operation_id="crm_fans_retrieve",
        summary="A fan",
        responses={200: envelope("FanResponse", "fan", s.FanSerializer), **errors(401, 403, 404)},
    )
    def get(self, request, fan_id):
        return Response({"fan": self.render(s.FanSerializer, self.get_fan(fan_id))})

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
        if "handle" in data:
            data["handle"] = data["handle"] or ""
        # fan_update keeps the instance current (tags and updated_at included): no reload.
        fan = services.fan_update(fan=fan, **data)
        return Response({"fan": self.render(s.FanSerializer, fan)})

    @extend_schema(
        operation_id="crm_fans_destroy",
        summary="Delete a fan with their conversations, messages and transactions",
        responses={204: None, **errors(401, 403, 404, 429)},
    )
    def delete(self, request, fan_id):
        services.fan_delete(fan=self.get_fan(fan_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Conversations -------------------------------------------------------------------------


class ConversationListView(CrmApiView):
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
        queryset = self.filtered(ConversationFilterSet, selectors.conversations_list(creator=self.creator))
        return self.page(queryset, CONVERSATION_ORDERINGS, "-id", "conversations", s.ConversationSerializer)

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
        body = {"conversation": self.render(s.ConversationSerializer, conversation)}
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class ConversationDetailView(CrmApiView):
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
        conversation = self.get_conversation(conversation_id)
        return Response({"conversation": self.render(s.ConversationSerializer, conversation)})

    @extend_schema(
        operation_id="crm_conversations_update",
        summary="Archive, mark read or tag a conversation",
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
        if "is_archived" in data or "tags" in data:
            conversation = services.conversation_update(
                conversation=conversation, is_archived=data.get("is_archived"), tags=data.get("tags")
            )
        if data.get("read"):
            conversation = services.conversation_mark_read(conversation=conversation)
        # Both services keep the instance current: no reload.
        return Response({"conversation": self.render(s.ConversationSerializer, conversation)})


class ConversationMessagesView(CrmApiView):
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
        conversation = selectors.conversation_get(creator=self.creator, conversation_id=conversation_id)
        queryset = selectors.conversation_messages(conversation=conversation)
        return self.page(queryset, MESSAGE_ORDERINGS, "created_at", "messages", s.MessageSerializer)

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
        message = services.message_add(
            conversation=conversation,
            direction=Direction.OUTGOING,
            text=data["text"],
            price_cents=data.get("price_cents", 0),
            sent_by_ai=data.get("sent_by_ai", False),
        )
        return Response({"message": self.render(s.MessageSerializer, message)}, status=status.HTTP_201_CREATED)


# --- Transactions --------------------------------------------------------------------------


class TransactionListView(CrmApiView):
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
        queryset = self.filtered(TransactionFilterSet, selectors.creator_transactions(creator=self.creator))
        return self.page(queryset, TRANSACTION_ORDERINGS, "-occurred_at", "transactions", s.TransactionSerializer)

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
        txn, created = services.transaction_record(
            fan=fan,
            kind=data["kind"],
            amount_cents=data["amount_cents"],
            platform=data.get("platform"),
            external_id=data.get("external_id") or None,
            occurred_at=data.get("occurred_at"),
        )
        body = {"transaction": self.render(s.TransactionSerializer, txn)}
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
