"""The visitor's live stream: /live/chat/<slug>/events (config/live_urls.py).

Not the page session: the visitor's token cookie (crm.chat) names the visitor, and the stream is
their own, `chat:<visitor id>`, on the same change feed and SSE mechanics as the creator's
(core.live). Every event is checked again when delivered: a message is sent only when it belongs
to this visitor's conversation. Refused to another origin and to a blocked visitor.
"""

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from core.live import sse
from core.live.feed import cursor, events_after
from crm import chat, selectors
from crm.models import Message


def _refuse(status: int, error: str) -> HttpResponse:
    response = JsonResponse({"success": False, "error": error}, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _start(request, slug):
    if not sse.same_origin(request):
        return _refuse(403, "Cross-origin request refused"), None, None
    creator = selectors.contactable_creator(slug)
    if creator is None:
        return _refuse(404, "Unknown creator"), None, None
    visitor = chat.chat_visitor(creator=creator, token=request.COOKIES.get(chat.cookie_name(creator)))
    if visitor is None:
        return _refuse(403, "No chat: start one first"), None, None
    if chat.visitor_blocked(visitor, address_hash=chat.address_of(request)):
        return _refuse(403, chat.BLOCKED), None, None
    try:
        after = sse.requested_cursor(request)
    except sse.BadCursor:
        return _refuse(400, "Invalid cursor"), None, None
    stream = chat.stream_of(visitor.pk)
    if after is None:
        after = cursor(stream)
    chat.visitor_seen(visitor)
    return None, visitor, after


def deliver_to(visitor):
    """(id, kind, data) for the visitor's events: a message of their own chat, rendered for them;
    anything else goes out as a bare id."""

    def deliver(events):
        ids = {e.data.get("message") for e in events if e.kind == chat.MESSAGE_EVENT}
        messages = {
            m.pk: m for m in Message.objects.filter(pk__in=ids, conversation_id=visitor.conversation_id)
        } if ids else {}
        frames = []
        for event in events:
            data = None
            if event.stream != chat.stream_of(visitor.pk):
                pass
            elif event.kind == chat.MESSAGE_EVENT and event.data.get("message") in messages:
                message = messages[event.data["message"]]
                html = render_to_string("crm/chat/_message.html", {"m": message, "slug": visitor.creator.slug})
                data = {"message": message.pk, "html": html}
            elif event.kind == chat.STATE_EVENT:
                data = {"state": event.data.get("state")}
            frames.append((event.pk, event.kind, data))
        return frames

    return deliver


def _one_shot(stream, after, deliver):
    frames = [f"retry: {sse.RETRY_MS}\n\n".encode()]
    events = events_after(stream, after)
    frames += [sse.frame(i, kind, data) for i, kind, data in (deliver(events) if events else [])]
    return frames


@require_GET
async def events(request, slug):
    refusal, visitor, after = await sync_to_async(_start)(request, slug)
    if refusal is not None:
        return refusal
    stream = chat.stream_of(visitor.pk)
    deliver = deliver_to(visitor)
    if not isinstance(request, ASGIRequest):
        frames = await sync_to_async(_one_shot)(stream, after, deliver)
        response = StreamingHttpResponse(iter(frames), content_type="text/event-stream")
        response["Cache-Control"] = "no-store"
        return response
    return sse.sse_response(sse.event_stream(stream=stream, after=after, deliver=deliver))
