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
from .teams import acting, policy
from .teams.policy import Action

MESSAGE_EVENT = "message"
CONVERSATION_EVENT = "conversation"
TEAM_EVENT = "team"  # a membership of the creator changed: its watcher's rights are looked up again
RESET_EVENT = "reset"  # the page reloads (static/js/live.js)


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


@receiver(signals.membership_changed, dispatch_uid="live_membership_changed")
def on_membership_changed(sender, membership, **kwargs):
    feed.publish(stream_of(membership.creator_id), TEAM_EVENT, {"user": membership.user_id})


# --- Reading: who sees what -------------------------------------------------------------------


def can_watch(member, event: FeedEvent) -> bool:
    """Whether `member` (crm.teams.policy.Member: a login acting for a creator, from
    crm.security.sessions.active_member) may see this event: the one authorisation of every live
    event. Only the creator's own stream, and only for a role that reads the inbox (every role
    today: the inbox, its counts and its threads are the chatters' work too)."""
    if member is None or event.stream != stream_of(member.creator.pk):
        return False
    return policy.can(member, Action.INBOX_READ)


class Watch:
    """One live stream's watcher. A change to their own membership (role, deactivation, removal;
    a `team` event on the stream) makes the watch look the membership up again: a member who
    lost the creator receives nothing more, and a `reset` tells their page to reload, which the
    pages then refuse."""

    def __init__(self, member):
        self.member = member

    @property
    def creator(self):
        return self.member.creator if self.member is not None else None

    def recheck(self, events: list[FeedEvent]) -> bool:
        """Whether these events changed this watcher's rights (their membership was looked up again)."""
        user = self.member.user if self.member is not None else None
        if user is None or not any(e.kind == TEAM_EVENT and e.data.get("user") == user.pk for e in events):
            return False
        found = acting.member_for(user, self.member.creator.pk)
        self.member = found if found is not None and policy.can(found, Action.INBOX_READ) else None
        return True


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


def deliver(events: list[FeedEvent], *, watch: Watch) -> list[tuple[int, str, dict | None]]:
    """The frames of these events for this watcher: (id, kind, data), data None for an event it
    may not see or that names a row gone since. At most two queries per batch (three when the
    watcher's membership changed), none when the events were rendered for another watcher
    already."""
    creator = watch.creator
    if watch.recheck(events) and watch.member is None:
        return [(events[-1].pk, RESET_EVENT, {})]  # the page reloads; the pages refuse it now
    if watch.member is None:
        return [(e.pk, e.kind, None) for e in events]
    visible = [e for e in events if can_watch(watch.member, e)]
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
    return [(e.pk, e.kind, known.get(e.pk) if e in visible else None) for e in events]


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
