"""Seed-002 `/api/v1`: conversations, messages and message files.

Lists are declared on `V1ListView` (a selector's rows, the shared FilterSet, a declared
serializer), one conversation's routes on `OneConversationView`; writes go through crm.services.
"""

from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.renderers import JSONRenderer

from core.api.renderers import AnyMediaRenderer
from core.api.schema import (
    BINARY_DOWNLOAD,
    WRITE_HEADERS_DOC,
    page_parameters,
    status_parameter,
    v1_envelope,
    v1_errors,
)
from core.api.views import v1_ok
from core.exceptions import InvalidInput, NotFound
from core.storage import private_download, private_open
from core.uploads import ATTACHMENT_KINDS, check_upload, sanitise_filename
from crm import campaigns, delivery, selectors, services
from crm.choices import Direction, MessageType
from crm.delivery import VIA_API
from crm.filters import ASSIGNED_CHOICES, ConversationFilterSet
from crm.models import Conversation, Message
from crm.teams import assignment
from crm.teams.policy import Action

from ..base import V1ApiView, V1ListView
from ..campaign_fields import ScheduledMessageSerializer
from . import serializers as s
from .views import client_get

ASSIGNED_VALUES = tuple(value for value, _label in ASSIGNED_CHOICES)

CONVERSATION_STATUSES = {"all": None, "active": False, "archived": True}
FILE_NOT_FOUND = "File not found"

CONVERSATION = v1_envelope("V1ConversationResponse", s.V1ConversationSerializer)
MESSAGE = v1_envelope("V1MessageResponse", s.V1MessageSerializer)
CONVERSATION_ID_PARAMETER = OpenApiParameter(
    "conversation_id", OpenApiTypes.INT, required=True, description="The conversation (400 when absent)"
)


def conversation_change(operation_id: str, summary: str, request=None) -> dict:
    """The schema of the PUT actions on one conversation (archive, tags, read)."""
    body_errors = (400, 413) if request is not None else ()
    return dict(
        operation_id=operation_id,
        tags=["v1 conversations"],
        summary=summary,
        description=WRITE_HEADERS_DOC,
        request=request,
        responses={200: CONVERSATION, **v1_errors(*body_errors, 401, 403, 404, 429)},
    )


class OneConversationView(V1ApiView):
    """A route on one conversation: loaded once, and answered with that same instance.

    The services keep the instance current (conversation_update saves its fields, mark_read
    refreshes its counters), so no second load is needed; tags are read after any change.
    """

    serializer_class = s.V1ConversationSerializer

    def conversation(self, conversation_id) -> Conversation:
        return selectors.conversation_get(creator=self.creator, conversation_id=conversation_id)


def required_conversation(request, creator) -> Conversation:
    """The `conversation_id` query parameter's conversation (400 when absent, 404 when not ours)."""
    raw = request.query_params.get("conversation_id", "")
    if not raw.strip():
        raise InvalidInput("conversation_id is required", field="conversation_id")
    return selectors.conversation_get(creator=creator, conversation_id=raw)


# --- Conversations ---------------------------------------------------------------------------


class ConversationListView(V1ListView):
    policy_actions = {"GET": Action.INBOX_READ, "POST": Action.INBOX_REPLY}
    selector = selectors.conversations_list
    filterset_class = ConversationFilterSet
    serializer_class = s.V1ConversationSerializer

    def filter_data(self, params) -> dict:
        status = params.get("status", "all") or "all"
        if status not in CONVERSATION_STATUSES:
            raise InvalidInput("Invalid status", field="status")
        data = {}
        if CONVERSATION_STATUSES[status] is not None:
            data["archived"] = CONVERSATION_STATUSES[status]
        fan_id = self.id_param(params, "interaction_id")
        if fan_id is not None:
            data["fan"] = fan_id
        assigned = params.get("assigned", "") or "all"
        if assigned not in ASSIGNED_VALUES:
            raise InvalidInput("Invalid assigned", field="assigned")
        data["assigned"] = assigned
        return data

    def filterset_kwargs(self) -> dict:
        return {"user_id": self.member.user.pk}  # an API key acts as the owner: the creator's login

    def decorate(self, rows):
        return selectors.conversations_with_fans(rows)

    @extend_schema(
        operation_id="v1_conversations_list",
        tags=["v1 conversations"],
        summary="List conversations, newest first",
        parameters=[
            *page_parameters(),
            status_parameter(CONVERSATION_STATUSES, "Default all"),
            OpenApiParameter("interaction_id", OpenApiTypes.INT, description="Only this client's"),
            OpenApiParameter(
                "assigned", OpenApiTypes.STR, enum=list(ASSIGNED_VALUES),
                description="Issue 17: mine (the creator's own login, as whom keys act), unassigned, all (default)",
            ),
        ],
        responses={
            200: v1_envelope("V1ConversationListResponse", s.V1ConversationSerializer, paginated=True),
            **v1_errors(400, 401, 403),
        },
    )
    def get(self, request):
        return self.list()

    @extend_schema(
        operation_id="v1_conversations_create",
        tags=["v1 conversations"],
        summary="Open a new conversation with a client, with an optional first message",
        description=WRITE_HEADERS_DOC,
        request=s.V1ConversationCreateSerializer,
        responses={201: CONVERSATION, **v1_errors(400, 401, 403, 404, 413, 429)},
    )
    def post(self, request):
        data = self.validated(s.V1ConversationCreateSerializer)
        if not data["subject"].strip():
            raise InvalidInput("subject is required", field="subject")
        fan = client_get(self.creator, data["interaction_id"])
        with transaction.atomic():
            # /api/v1 threads are distinguished by subject: always a new one.
            conversation, _created = services.conversation_open(fan=fan, subject=data["subject"], reuse=False)
            if data.get("message"):
                services.message_add(
                    conversation=conversation, direction=Direction.OUTGOING, text=data["message"], via=VIA_API
                )
        # Read again for the counters the first message changed, with fan and tags.
        return self.answer(selectors.conversation_get(creator=self.creator, conversation_id=conversation.pk), status=201)


class ConversationDetailView(OneConversationView):
    policy_actions = {"GET": Action.INBOX_READ}
    @extend_schema(
        operation_id="v1_conversations_retrieve",
        tags=["v1 conversations"],
        summary="A conversation",
        responses={200: CONVERSATION, **v1_errors(401, 403, 404)},
    )
    def get(self, request, conversation_id):
        return self.answer(self.conversation(conversation_id))


class ConversationArchiveView(OneConversationView):
    policy_actions = {"PUT": Action.INBOX_ARCHIVE}
    @extend_schema(
        **conversation_change("v1_conversations_archive", "Archive or unarchive", s.ArchiveSerializer)
    )
    def put(self, request, conversation_id):
        conversation = self.conversation(conversation_id)
        data = self.validated(s.ArchiveSerializer)
        services.conversation_update(conversation=conversation, is_archived=data["archived"])
        return self.answer(conversation)


class ConversationTagsView(OneConversationView):
    policy_actions = {"PUT": Action.INBOX_TAG}
    @extend_schema(**conversation_change("v1_conversations_tags", "Replace the tags", s.V1TagsSerializer))
    def put(self, request, conversation_id):
        conversation = self.conversation(conversation_id)
        tags = self.validated(s.V1TagsSerializer)["tags"]
        services.conversation_update(conversation=conversation, tags=tags)
        return self.answer(conversation)


class ConversationAssigneeView(OneConversationView):
    """Issue 17 (docs/teams.md): `{"assignee_id": <user id of an active member> | null}`."""

    policy_actions = {"PUT": Action.INBOX_ASSIGN_ANY}

    @extend_schema(**conversation_change("v1_conversations_assignee", "Assign or unassign", s.V1AssigneeSerializer))
    def put(self, request, conversation_id):
        conversation = self.conversation(conversation_id)
        data = self.validated(s.V1AssigneeSerializer)
        assignment.conversation_assign(conversation=conversation, assignee_id=data["assignee_id"], member=self.member)
        return self.answer(conversation)


class ConversationReadView(OneConversationView):
    policy_actions = {"PUT": Action.INBOX_READ}
    @extend_schema(**conversation_change("v1_conversations_read", "Mark every incoming message read"))
    def put(self, request, conversation_id):
        conversation = self.conversation(conversation_id)
        services.conversation_mark_read(conversation=conversation)
        return self.answer(conversation)


# --- Messages --------------------------------------------------------------------------------


class MessageListView(V1ListView):
    policy_actions = {"GET": Action.INBOX_READ, "POST": Action.INBOX_REPLY}
    serializer_class = s.V1MessageSerializer
    ordering = ("created_at", "id")

    def get_queryset(self):
        conversation = required_conversation(self.request, self.creator)
        return selectors.conversation_messages_with_fans(conversation=conversation)

    @extend_schema(
        operation_id="v1_messages_list",
        tags=["v1 messages"],
        summary="A conversation's messages, oldest first",
        parameters=[CONVERSATION_ID_PARAMETER, *page_parameters()],
        responses={
            200: v1_envelope("V1MessageListResponse", s.V1MessageSerializer, paginated=True),
            **v1_errors(400, 401, 403, 404),
        },
    )
    def get(self, request):
        return self.list()

    @extend_schema(
        operation_id="v1_messages_create",
        tags=["v1 messages"],
        summary="Send a message, optionally with a file (multipart)",
        description="The sniffed content of a file decides its type. " + WRITE_HEADERS_DOC,
        request={
            "application/json": s.V1MessageCreateSerializer,
            "multipart/form-data": s.V1MessageUploadSerializer,
        },
        responses={201: MESSAGE, **v1_errors(400, 401, 403, 404, 413, 429)},
    )
    def post(self, request):
        data = self.validated(s.V1MessageUploadSerializer)
        upload = data.get("file")
        text = data.get("message") or ""
        if not text.strip() and upload is None:
            raise InvalidInput("message is required", field="message")
        conversation = selectors.conversation_get(
            creator=self.creator, conversation_id=data["conversation_id"]
        )
        # Checked before anything is written: a refused file leaves no row and no object.
        attachment = check_upload(upload, kinds=ATTACHMENT_KINDS) if upload is not None else None
        message_type = data["message_type"]
        direction = Direction.SYSTEM if message_type == MessageType.SYSTEM else Direction.OUTGOING
        if attachment is not None and message_type != MessageType.SYSTEM:
            # The sniffed content decides between image and file, not the caller's label.
            message_type = MessageType.TEXT
        if data.get("price_cents") and direction != Direction.OUTGOING:
            raise InvalidInput("A PPV price is for a message to the client, not a system message", field="price_cents")
        if "send_at" in data:
            if attachment is not None or data.get("reply_to") or direction != Direction.OUTGOING:
                raise InvalidInput("A scheduled message is text only: no file, comment reply or system message", field="send_at")
            scheduled = campaigns.scheduled_message_create(
                conversation=conversation,
                text=text,
                send_at=campaigns.parse_send_at_iso(data["send_at"]),
                price_cents=data.get("price_cents", 0),
                via=VIA_API,
            )
            return v1_ok(ScheduledMessageSerializer(scheduled).data, status=202)
        reply_to = None
        if data.get("reply_to"):
            reply_to = delivery.reply_target(conversation=conversation, message_id=data["reply_to"])
        message = services.message_add(
            conversation=conversation,
            reply_to=reply_to,
            direction=direction,
            text=text,
            message_type=message_type,
            attachment=attachment,
            price_cents=data.get("price_cents", 0),
            via=VIA_API,
        )
        # message_add returns the complete row; a model or system sender needs no fan loaded.
        return self.answer(message, status=201)


class MessageDetailView(V1ApiView):
    policy_actions = {"GET": Action.INBOX_READ}
    serializer_class = s.V1MessageSerializer

    @extend_schema(
        operation_id="v1_messages_retrieve",
        tags=["v1 messages"],
        summary="A message",
        responses={200: MESSAGE, **v1_errors(401, 403, 404)},
    )
    def get(self, request, message_id):
        return self.answer(selectors.message_get(creator=self.creator, message_id=message_id))


# --- Files -----------------------------------------------------------------------------------


def attachment_message(creator, message_id) -> Message:
    message = selectors.message_get(creator=creator, message_id=message_id, message=FILE_NOT_FOUND)
    if not message.attachment.name:
        raise NotFound(FILE_NOT_FOUND)
    return message


class FileListView(V1ListView):
    policy_actions = {"GET": Action.INBOX_READ}
    serializer_class = s.V1FileSerializer
    ordering = ("created_at", "id")

    def get_queryset(self):
        conversation = required_conversation(self.request, self.creator)
        return selectors.conversation_attachments(conversation=conversation)

    @extend_schema(
        operation_id="v1_files_list",
        tags=["v1 files"],
        summary="A conversation's message files, oldest first",
        parameters=[CONVERSATION_ID_PARAMETER, *page_parameters()],
        responses={
            200: v1_envelope("V1FileListResponse", s.V1FileSerializer, paginated=True),
            **v1_errors(400, 401, 403, 404),
        },
    )
    def get(self, request):
        return self.list()


class FileDetailView(V1ApiView):
    policy_actions = {"GET": Action.INBOX_READ}
    serializer_class = s.V1FileSerializer

    @extend_schema(
        operation_id="v1_files_retrieve",
        tags=["v1 files"],
        summary="A message file's details",
        responses={
            200: v1_envelope("V1FileResponse", s.V1FileSerializer),
            **v1_errors(401, 403, 404),
        },
    )
    def get(self, request, message_id):
        return self.answer(attachment_message(self.creator, message_id))


class FileDownloadView(V1ApiView):
    policy_actions = {"GET": Action.INBOX_READ}
    renderer_classes = [JSONRenderer, AnyMediaRenderer]

    @extend_schema(
        operation_id="v1_files_download",
        tags=["v1 files"],
        summary="Download a message file",
        responses={**BINARY_DOWNLOAD, **v1_errors(401, 403, 404)},
    )
    def get(self, request, message_id):
        message = attachment_message(self.creator, message_id)
        handle = private_open(message.attachment.name, not_found=FILE_NOT_FOUND)
        # FileResponse writes filename*=UTF-8'' for non-ASCII names
        filename = sanitise_filename(message.attachment_name or message.attachment.name)
        return private_download(handle, filename=filename, content_type=message.attachment_content_type)
