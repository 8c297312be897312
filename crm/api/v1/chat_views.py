"""The public chat API, /api/chat/* (seed-002 envelope): a visitor of /c/<slug>/ chats with the
creator's team. No API key: the visitor's token is in an HttpOnly cookie, one per creator
(crm.chat.cookie_name), so every write also passes the same-site check of the cookie API."""

from django.conf import settings
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers

from core.api.errors import RateLimited
from core.api.parsers import json_object
from core.api.same_site import enforce_same_site_write
from core.api.schema import V1_ERROR, V1_ERROR_DESCRIPTIONS, errors, v1_envelope
from core.api.views import PublicV1View, RateLimitHeadersMixin, v1_ok
from core.exceptions import Forbidden, InvalidInput, NotFound
from core.storage import private_download, private_open
from core.uploads import ATTACHMENT_KINDS, check_upload
from crm import chat, selectors

from .chat_serializers import (
    ChatMessageSerializer,
    ChatSendRequestSerializer,
    ChatStartRequestSerializer,
    ChatStateSerializer,
)

HONEYPOTS = ("website", "company")
NO_CHAT = "No chat: start one first"
CHAT_ERROR_DESCRIPTIONS = {
    **V1_ERROR_DESCRIPTIONS,
    400: "Invalid input (`<field> is required`, `Invalid <field>`, a refused file), or `Submission rejected`",
    403: "No chat for this cookie, a blocked visitor, or a cross-site write",
    404: "Unknown or inactive creator, or not a file of this chat",
    409: "The chat has ended",
    507: "The creator's chat storage quota is spent",
}


def v1_errors(*statuses: int) -> dict:
    return errors(*statuses, body=V1_ERROR, descriptions=CHAT_ERROR_DESCRIPTIONS)


MODEL_ID = OpenApiParameter("model_id", OpenApiTypes.STR, required=True, description="The creator's slug")


def chat_state(request, visitor, creator) -> dict:
    online = chat.team_online(creator.pk)
    return {
        "conversation_id": visitor.conversation_id,
        "name": visitor.fan.name,
        "team_online": online,
        "away_message": "" if online else chat.away_message(creator),
        "ended": visitor.ended_at is not None,
        "live_url": reverse("live_chat_events", args=[creator.slug]),
    }


def set_visitor_cookie(request, response, creator, token: str) -> None:
    response.set_cookie(
        chat.cookie_name(creator), token, max_age=settings.CHAT_RETENTION_DAYS * 86400 or None,
        httponly=True, secure=request.is_secure(), samesite="Lax", path="/",
    )


def enforce_chat_write(request) -> None:
    """The cookie API's cross-site refusal; a form-like body (files come as multipart) must also
    name our origin, which every browser sends with a POST."""
    try:
        enforce_same_site_write(request)
    except exceptions.PermissionDenied as refused:
        reason = str(refused.detail)
        multipart_from_us = (
            reason == "Cookie-authenticated writes must send JSON"
            and request.META.get("HTTP_ORIGIN") is not None
            and request.META.get("CONTENT_TYPE", "").lower().startswith("multipart/form-data")
        )
        if not multipart_from_us:
            raise Forbidden(reason) from None


# The list carries the chat's state beside the messages: whether the team is online, the away message.
MESSAGES_PAGE = inline_serializer("ChatMessages", fields={
    "success": serializers.BooleanField(help_text="Always true"),
    "data": ChatMessageSerializer(many=True),
    "chat": ChatStateSerializer(),
})


class ChatView(RateLimitHeadersMixin, PublicV1View):
    def creator_of(self, request, value):
        if not isinstance(value, str) or not value.strip():
            raise InvalidInput("model_id is required", field="model_id")
        creator = selectors.contactable_creator(value)
        if creator is None:
            raise NotFound("Unknown creator")
        return creator

    def visitor_of(self, request, creator):
        visitor = chat.chat_visitor(creator=creator, token=request.COOKIES.get(chat.cookie_name(creator)))
        if visitor is None:
            raise Forbidden(NO_CHAT)
        return visitor

    def refuse_if_over(self, usage):
        self.rate_limit_usage = usage
        if usage.exceeded:
            raise RateLimited(usage)


class ChatStartView(ChatView):
    @extend_schema(
        operation_id="chat_start", tags=["chat"], summary="Start a chat with a creator (visitor)",
        description="No API key. Sets the visitor's HttpOnly cookie. 5 starts an hour per address. "
        "`website` and `company` are honeypots: leave them empty. A blocked address or email: 403.",
        request=ChatStartRequestSerializer,
        responses={201: v1_envelope("ChatStarted", ChatStateSerializer), **v1_errors(400, 403, 404, 429)},
    )
    def post(self, request):
        enforce_chat_write(request)
        data = json_object(request)
        creator = self.creator_of(request, data.get("model_id"))
        self.refuse_if_over(chat.limit_start(request))
        if any(data.get(name) not in (None, "") for name in HONEYPOTS):
            raise InvalidInput("Submission rejected")
        visitor, token = chat.chat_start(
            creator=creator, name=data.get("name"), email=data.get("email") or "",
            consent=data.get("consent"), address_hash=chat.address_of(request),
        )
        response = v1_ok(chat_state(request, visitor, creator), status=201)
        set_visitor_cookie(request, response, creator, token)
        return response


class ChatMessagesView(ChatView):
    @extend_schema(
        operation_id="chat_messages_list", tags=["chat"], summary="The visitor's chat, after a message id",
        parameters=[MODEL_ID, OpenApiParameter("after", OpenApiTypes.INT, description="A message id; default 0")],
        responses={200: MESSAGES_PAGE, **v1_errors(400, 403, 404)},
    )
    def get(self, request):
        creator = self.creator_of(request, request.query_params.get("model_id"))
        visitor = self.visitor_of(request, creator)
        after = request.query_params.get("after", "0")
        if not after.isdigit() or len(after) > 18:
            raise InvalidInput("Invalid after", field="after")
        chat.visitor_seen(visitor)
        rows = chat.chat_messages(visitor=visitor, after=int(after))
        return v1_ok(
            ChatMessageSerializer(rows, many=True, context={"slug": creator.slug}).data,
            chat=chat_state(request, visitor, creator),
        )

    @extend_schema(
        operation_id="chat_messages_send", tags=["chat"], summary="Send a message (text, files) as the visitor",
        description="JSON `{model_id, text}`, or multipart with up to 5 files of 10 MB (content-checked; "
        "the request at most 51 MB). 30 messages a minute and 10 files per 5 minutes, per visitor and per "
        "address (429 with Retry-After); the creator's storage quota spent: 507; blocked: 403; ended: 409.",
        request={"application/json": ChatSendRequestSerializer, "multipart/form-data": ChatSendRequestSerializer},
        responses={201: v1_envelope("ChatSent", ChatMessageSerializer, many=True), **v1_errors(400, 403, 404, 409, 413, 429, 507)},
    )
    def post(self, request):
        enforce_chat_write(request)
        is_multipart = request.content_type.startswith("multipart/")
        data = request.data if is_multipart else json_object(request)
        creator = self.creator_of(request, data.get("model_id"))
        visitor = self.visitor_of(request, creator)
        address = chat.address_of(request)
        if chat.visitor_blocked(visitor, address_hash=address):
            raise Forbidden(chat.BLOCKED)
        uploads = request.FILES.getlist("files") if is_multipart else []
        if len(uploads) > chat.MAX_FILES_PER_MESSAGE:
            raise InvalidInput(f"At most {chat.MAX_FILES_PER_MESSAGE} files a message", field="files")
        self.refuse_if_over(chat.limit_message(request, visitor))
        if uploads:
            self.refuse_if_over(chat.limit_files(request, visitor, len(uploads)))
        checked = [check_upload(f, kinds=ATTACHMENT_KINDS) for f in uploads]
        text = data.get("text", "")
        stored = chat.chat_send(visitor=visitor, text=text, files=checked, address_hash=address)
        return v1_ok(ChatMessageSerializer(stored, many=True, context={"slug": creator.slug}).data, status=201)


class ChatFileView(ChatView):
    @extend_schema(
        operation_id="chat_file", tags=["chat"], summary="A file of the visitor's own chat (a download)",
        parameters=[MODEL_ID],
        responses={200: OpenApiResponse(OpenApiTypes.BINARY, description="The file, as an attachment"), **v1_errors(403, 404)},
    )
    def get(self, request, file_id):
        creator = self.creator_of(request, request.query_params.get("model_id"))
        visitor = self.visitor_of(request, creator)
        message = chat.chat_file(visitor=visitor, message_id=file_id)
        return private_download(
            private_open(message.attachment.name, not_found="File not found"),
            filename=message.attachment_name or "file", content_type=message.attachment_content_type,
        )
