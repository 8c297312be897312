"""Live updates, the domain side: which changes go on the feed, who may watch them, what a
watcher receives (core.live is the mechanism; docs/architecture.md, "Live updates").

Every creator has one stream, `creator:<id>`. crm's signals put an event on it inside the
transaction of the change; the event names ids only. When the live endpoint delivers it, this
module checks it with `can_watch` and renders what the page needs (a message's HTML, the unread
total of the nav badge) from the rows as they are then.
"""

import threading
from collections import OrderedDict

from django.dispatch import receiver
from django.template.loader import render_to_string

from core.live import feed
from core.live.models import FeedEvent
from core.live.progress import JOB_EVENT, ProgressReporter

from . import selectors, signals

MESSAGE_EVENT = "message"
CONVERSATION_EVENT = "conversation"


def stream_of(creator_id: int) -> str:
    return f"creator:{creator_id}"


def cursor_of(creator_id: int) -> int:
    """Where a page's watcher starts: read before the page's rows, so nothing falls between."""
    return feed.cursor(stream_of(creator_id))


def job_progress(*, creator_id: int, job: str, total: int, label: str = "") -> ProgressReporter:
    """A reporter for a long job the creator's pages show (`partials/progress.html`)."""
    return ProgressReporter(stream_of(creator_id), job=job, total=total, label=label)


# --- Writing: crm's signals onto the feed -----------------------------------------------------


def _conversation_event(conversation) -> None:
    feed.publish(stream_of(conversation.creator_id), CONVERSATION_EVENT, {"conversation": conversation.pk})


@receiver(signals.message_recorded, dispatch_uid="live_message_recorded")
def on_message_recorded(sender, message, **kwargs):
    feed.publish(
        stream_of(message.creator_id),
        MESSAGE_EVENT,
        {"conversation": message.conversation_id, "message": message.pk, "direction": message.direction},
    )


@receiver(signals.message_delivery_changed, dispatch_uid="live_message_delivery_changed")
def on_message_delivery_changed(sender, message, creator=None, **kwargs):
    # The same event as a new message: the page re-renders the message in place.
    feed.publish(
        stream_of(message.creator_id),
        MESSAGE_EVENT,
        {"conversation": message.conversation_id, "message": message.pk, "direction": message.direction},
    )


@receiver(signals.conversation_opened, dispatch_uid="live_conversation_opened")
@receiver(signals.conversation_read, dispatch_uid="live_conversation_read")
@receiver(signals.conversation_changed, dispatch_uid="live_conversation_changed")
@receiver(signals.conversation_assigned, dispatch_uid="live_conversation_assigned")
def on_conversation_event(sender, conversation, **kwargs):
    _conversation_event(conversation)


# --- Reading: who sees what -------------------------------------------------------------------


def can_watch(user, creator, event: FeedEvent) -> bool:
    """Whether `user`, acting for `creator` (crm.security.sessions.active_creator), may see this
    event: the one authorisation of every live event, per creator and per conversation.

    Today a creator's pages are their owner's alone; the teams policy (memberships, roles,
    assignment) decides here, with `event.data["conversation"]`, once members exist.
    """
    if event.stream != stream_of(creator.pk):
        return False
    return creator.user_id == user.pk


class _Rendered:
    """What an event rendered to, kept briefly per live worker: the fifty watchers of one
    creator receive one rendering, not fifty. What it holds is the creator's own page content;
    each watcher is still checked by can_watch before it is given any of it."""

    SIZE = 2048

    def __init__(self):
        self._items: OrderedDict[int, dict | None] = OrderedDict()
        self._lock = threading.Lock()

    def get_many(self, ids) -> dict[int, dict | None]:
        with self._lock:
            return {i: self._items[i] for i in ids if i in self._items}

    def put_many(self, rendered: dict[int, dict | None]) -> None:
        with self._lock:
            self._items.update(rendered)
            while len(self._items) > self.SIZE:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


rendered_events = _Rendered()


def deliver(events: list[FeedEvent], *, user, creator) -> list[tuple[int, str, dict | None]]:
    """The frames of these events for this watcher: (id, kind, data), data None for an event it
    may not see or that names a row gone since. At most two queries per batch, none when the
    events were rendered for another watcher already."""
    visible = [e for e in events if can_watch(user, creator, e)]
    known = rendered_events.get_many(e.pk for e in visible)
    fresh = [e for e in visible if e.pk not in known]
    if fresh:
        message_ids = {e.data.get("message") for e in fresh if e.kind == MESSAGE_EVENT}
        messages = selectors.messages_for_live(creator_id=creator.pk, message_ids=message_ids) if message_ids else {}
        needs_total = any(e.kind in (MESSAGE_EVENT, CONVERSATION_EVENT) for e in fresh)
        unread = selectors.unread_total(creator_id=creator.pk) if needs_total else None
        rendered = {e.pk: _render(e, messages, unread) for e in fresh}
        rendered_events.put_many(rendered)
        known |= rendered
    return [(e.pk, e.kind, known.get(e.pk)) for e in events]


def _render(event: FeedEvent, messages: dict, unread: int | None) -> dict | None:
    if event.kind == MESSAGE_EVENT:
        message = messages.get(event.data.get("message"))
        if message is None:
            return None
        html = render_to_string(
            "crm/inbox/_message.html",
            {"m": message, "conversation": message.conversation, "fan": message.fan},
        )
        return {
            "conversation": message.conversation_id,
            "message": message.pk,
            "direction": message.direction,
            "html": html,
            "unread_total": unread,
        }
    if event.kind == CONVERSATION_EVENT:
        return {"conversation": event.data.get("conversation"), "unread_total": unread}
    if event.kind == JOB_EVENT:
        return {key: event.data.get(key) for key in ("job", "done", "total", "label", "state")}
    return None
