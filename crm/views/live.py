"""The live endpoint: the creator's change feed as server-sent events (config/live_urls.py).

Served by the live process (ASGI) under /live/; authenticated by the page session, refused to
another origin, authorised event by event by crm.live.can_watch. Resumes from `Last-Event-ID`
(EventSource sends it on reconnect) or the page's `?after=` cursor, so nothing between the page
and the stream, or between two connections, is missed or repeated.

Under WSGI (`make run`'s dev server without the proxy, the test suite's live server) a stream
would hold a thread for its whole life; there the endpoint answers what is new and ends, and
EventSource reconnects after `retry` (a one-second poll).
"""

from functools import partial

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.views.decorators.http import require_GET

from core.live import sse
from core.live.feed import events_after
from core.observability.context import bind_creator
from crm import chat, live
from crm.security.sessions import active_member
from crm.teams import policy
from crm.teams.policy import Action


def _refuse(status: int, error: str) -> HttpResponse:
    response = JsonResponse({"error": error}, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _watcher(request) -> live.Watch | None:
    """The page session's watcher (the member it acts as), or None when it has no creator pages
    or its role may not read the inbox."""
    user = request.user
    if not user.is_authenticated:
        return None
    member = active_member(request, user)
    if member is None or not policy.can(member, Action.INBOX_READ):
        return None
    return live.Watch(member)


def _start(request):
    """The checks before a stream starts: (response to send instead, or None, and the watcher and cursor)."""
    if not sse.same_origin(request):
        return _refuse(403, "Cross-origin request refused"), None, None
    watcher = _watcher(request)
    if watcher is None:
        return _refuse(403, "Sign in to watch live updates"), None, None
    creator = watcher.creator
    bind_creator(creator.pk)
    chat.team_seen(creator.pk)  # a live page open: the team is online for its chat visitors
    try:
        after = sse.requested_cursor(request)
    except sse.BadCursor:
        return _refuse(400, "Invalid cursor"), None, None
    if after is None:  # no cursor given: from now on
        after = live.cursor_of(creator.pk)
    return None, watcher, after


def _one_shot(stream: str, after: int, deliver) -> list[bytes]:
    frames = [f"retry: {sse.RETRY_MS}\n\n".encode()]
    events = events_after(stream, after)
    frames += [sse.frame(i, kind, data) for i, kind, data in (deliver(events) if events else [])]
    return frames


@require_GET
async def events(request):
    refusal, watcher, after = await sync_to_async(_start)(request)
    if refusal is not None:
        return refusal
    stream = live.stream_of(watcher.creator.pk)
    deliver = partial(live.deliver, watch=watcher)
    if not isinstance(request, ASGIRequest):
        frames = await sync_to_async(_one_shot)(stream, after, deliver)
        response = StreamingHttpResponse(iter(frames), content_type="text/event-stream")
        response["Cache-Control"] = "no-store"
        return response
    return sse.sse_response(sse.event_stream(stream=stream, after=after, deliver=deliver))
