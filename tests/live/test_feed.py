"""The change feed (core.live.feed) and what crm puts on it (crm.live)."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from core.live import feed
from core.live.models import FeedEvent
from core.live.progress import ProgressReporter
from crm import live, services
from crm.choices import Direction, Role
from crm.teams import acting
from crm.teams import services as team_services
from tests.factories import ConversationFactory, CreatorFactory, FanFactory, MembershipFactory, MessageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _nothing_rendered_yet():
    live.rendered_events.clear()
    yield
    live.rendered_events.clear()


def watch(user, creator=None):
    """The watch a page session of `user` (acting for `creator`, default their own) starts."""
    member = acting.member_for(user, creator.pk) if creator is not None else acting.own_member(user)
    return live.Watch(member)


def kinds(stream):
    return [(e.kind, e.data) for e in feed.events_after(stream, 0)]


def test_an_event_written_in_a_transaction_that_rolls_back_is_never_announced(creator):
    conversation = ConversationFactory(fan__creator=creator)
    stream = live.stream_of(creator.pk)
    before = feed.cursor(stream)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.message_add(conversation=conversation, direction=Direction.INCOMING, text="gone")
        assert feed.cursor(stream) > before  # written inside the transaction...
        raise RuntimeError
    assert feed.cursor(stream) == before  # ...and gone with it
    assert feed.events_after(stream, before) == []


def test_the_services_put_their_changes_on_the_creators_stream(creator):
    fan = FanFactory(creator=creator)
    conversation, created = services.conversation_open(fan=fan, platform="instagram", reuse=False)
    assert created
    message = services.message_add(conversation=conversation, direction=Direction.INCOMING, text="hi")
    services.conversation_mark_read(conversation=conversation)
    services.conversation_update(conversation=conversation, is_archived=True)
    stream = live.stream_of(creator.pk)
    assert kinds(stream) == [
        ("conversation", {"conversation": conversation.pk}),
        ("message", {"conversation": conversation.pk, "message": message.pk, "direction": "in"}),
        ("conversation", {"conversation": conversation.pk}),
        ("conversation", {"conversation": conversation.pk}),
    ]


def test_a_redelivered_platform_message_is_not_announced_twice(creator):
    conversation = ConversationFactory(fan__creator=creator)
    services.message_add(conversation=conversation, direction=Direction.INCOMING, text="a", platform_message_id="m1")
    cursor = feed.cursor(live.stream_of(creator.pk))
    services.message_add(conversation=conversation, direction=Direction.INCOMING, text="a", platform_message_id="m1")
    assert feed.cursor(live.stream_of(creator.pk)) == cursor


def test_the_signals_of_other_issues_are_on_the_feed(creator):
    from crm import signals

    conversation = ConversationFactory(fan__creator=creator)
    message = MessageFactory(conversation=conversation)
    cursor = feed.cursor(live.stream_of(creator.pk))
    signals.conversation_assigned.send(sender=None, creator=creator, conversation=conversation)
    signals.message_delivery_changed.send(sender=None, creator=creator, message=message)
    events = feed.events_after(live.stream_of(creator.pk), cursor)
    assert [(e.kind, e.data.get("message")) for e in events] == [("conversation", None), ("message", message.pk)]


def test_reading_after_a_cursor_misses_nothing_and_repeats_nothing(creator, other_creator):
    stream, other = live.stream_of(creator.pk), live.stream_of(other_creator.pk)
    written = []
    for i in range(7):
        written.append(feed.publish(stream, "job", {"n": i}).pk)
        feed.publish(other, "job", {"n": i})  # another stream interleaved
    seen, after = [], 0
    while batch := feed.events_after(stream, after, limit=3):  # resumed after every batch
        seen += [e.pk for e in batch]
        after = batch[-1].pk
    assert seen == written
    assert feed.cursor(stream) == written[-1]


def test_pruning_removes_old_events_but_keeps_the_newest_id(creator):
    stream = live.stream_of(creator.pk)
    old = [feed.publish(stream, "job", {}) for _ in range(3)]
    FeedEvent.objects.filter(pk__in=[e.pk for e in old]).update(created_at=timezone.now() - timedelta(hours=30))
    assert feed.prune(retention_hours=24) == 2  # the newest row of the table stays (SQLite reuses ids)
    assert list(FeedEvent.objects.values_list("pk", flat=True)) == [old[-1].pk]
    recent = feed.publish(stream, "job", {})
    assert feed.prune(retention_hours=24) == 1
    assert list(FeedEvent.objects.values_list("pk", flat=True)) == [recent.pk]
    assert recent.pk > old[-1].pk


def test_the_retention_run_prunes_the_feed(creator):
    from webhooks.retention import retention_apply

    event = feed.publish(live.stream_of(creator.pk), "job", {})
    feed.publish(live.stream_of(creator.pk), "job", {})
    FeedEvent.objects.filter(pk=event.pk).update(created_at=timezone.now() - timedelta(days=3))
    assert retention_apply()["live_feed_events"] == 1


def test_a_member_of_another_creator_sees_nothing(creator, other_creator):
    conversation = ConversationFactory(fan__creator=creator)
    MessageFactory(conversation=conversation, text="private words")
    events = feed.events_after(live.stream_of(creator.pk), 0)
    assert events
    assert all(not live.can_watch(acting.own_member(other_creator.user), e) for e in events)
    assert acting.member_for(other_creator.user, creator.pk) is None  # naming the creator gets nobody a watch
    frames = live.deliver(events, watch=watch(other_creator.user))
    assert [data for _id, _kind, data in frames] == [None] * len(events)  # ids advance, nothing shown


def test_delivery_renders_the_message_and_the_unread_total_in_fixed_queries(creator, django_assert_max_num_queries):
    conversations = [ConversationFactory(fan__creator=creator) for _ in range(3)]
    for c in conversations:
        for _ in range(3):
            MessageFactory(conversation=c, direction=Direction.INCOMING, text="hello <b>")
    events = feed.events_after(live.stream_of(creator.pk), 0)
    with django_assert_max_num_queries(2):
        frames = live.deliver(events, watch=watch(creator.user))
    shown = [d for _i, kind, d in frames if kind == "message"]
    assert len(shown) == 9
    assert all(d["unread_total"] == 9 for d in shown)
    assert "hello &lt;b&gt;" in shown[0]["html"] and 'id="message-' in shown[0]["html"]
    # The next watcher of the same events gets the same rendering without a query.
    with django_assert_max_num_queries(0):
        assert live.deliver(events, watch=watch(creator.user)) == frames


def test_a_rendering_kept_for_one_watcher_is_never_given_to_another_creators(creator, other_creator):
    MessageFactory(conversation=ConversationFactory(fan__creator=creator), text="kept words")
    events = feed.events_after(live.stream_of(creator.pk), 0)
    live.deliver(events, watch=watch(creator.user))  # rendered and kept
    frames = live.deliver(events, watch=watch(other_creator.user))
    assert all(data is None for _i, _k, data in frames)


@pytest.mark.parametrize("role", [Role.MANAGER, Role.CHATTER])
def test_a_member_of_the_team_sees_the_creators_events(creator, role):
    member = MembershipFactory(creator=creator, role=role)
    MessageFactory(conversation=ConversationFactory(fan__creator=creator), text="for the team")
    events = feed.events_after(live.stream_of(creator.pk), 0)
    frames = live.deliver(events, watch=watch(member.user, creator))
    assert any(kind == "message" and data and "for the team" in data["html"] for _i, kind, data in frames)


@pytest.mark.parametrize("change", ["remove", "deactivate"])
def test_a_member_who_loses_the_creator_is_reset_and_receives_nothing_more(creator, change):
    membership = MembershipFactory(creator=creator, role=Role.CHATTER)
    watching = watch(membership.user, creator)
    stream = live.stream_of(creator.pk)
    after = feed.cursor(stream)
    if change == "remove":
        team_services.membership_remove(membership=membership)
    else:
        team_services.membership_set_active(membership=membership, is_active=False)
    MessageFactory(conversation=ConversationFactory(fan__creator=creator), text="after they left")
    events = feed.events_after(stream, after)
    assert live.deliver(events, watch=watching) == [(events[-1].pk, live.RESET_EVENT, {})]
    more = [MessageFactory(conversation=ConversationFactory(fan__creator=creator), text="later still")]
    later = feed.events_after(stream, events[-1].pk)
    assert len(later) >= len(more)
    assert all(data is None for _i, _k, data in live.deliver(later, watch=watching))


def test_a_role_change_keeps_the_watch_with_the_new_role(creator):
    membership = MembershipFactory(creator=creator, role=Role.MANAGER)
    watching = watch(membership.user, creator)
    stream = live.stream_of(creator.pk)
    after = feed.cursor(stream)
    team_services.membership_set_role(membership=membership, role=Role.CHATTER)
    MessageFactory(conversation=ConversationFactory(fan__creator=creator), text="still theirs")
    frames = live.deliver(feed.events_after(stream, after), watch=watching)
    assert watching.member.role == Role.CHATTER
    assert any(kind == "message" and data for _i, kind, data in frames)


def test_a_deleted_fans_messages_render_nothing(creator):
    conversation = ConversationFactory(fan__creator=creator)
    MessageFactory(conversation=conversation, text="erased")
    services.fan_delete(fan=conversation.fan)
    events = feed.events_after(live.stream_of(creator.pk), 0)
    frames = live.deliver(events, watch=watch(creator.user))
    assert all(data is None for _i, kind, data in frames if kind == "message")
    assert not any("erased" in str(e.data) for e in FeedEvent.objects.all())  # ids only, ever


def test_a_job_reports_progress_thinned_and_always_its_end():
    creator = CreatorFactory()
    stream = live.stream_of(creator.pk)
    reporter = live.job_progress(creator_id=creator.pk, job="import-1", total=1000, label="Import").start()
    for _ in range(1000):
        reporter.advance()
    reporter.finish()
    events = feed.events_after(stream, 0)
    assert 2 <= len(events) <= 10
    assert events[-1].data == {"job": "import-1", "done": 1000, "total": 1000, "label": "Import", "state": "done"}
    assert isinstance(reporter, ProgressReporter)


def test_under_wsgi_the_endpoint_answers_what_is_new_and_ends(client, creator):
    """runserver reached directly or pytest's live server: no thread held; EventSource polls."""
    client.force_login(creator.user)
    cursor = live.cursor_of(creator.pk)
    message = MessageFactory(conversation=ConversationFactory(fan__creator=creator), text="polled")
    response = client.get("/live/events", {"after": cursor})
    assert response.status_code == 200 and response["Content-Type"] == "text/event-stream"
    body = b"".join(response.streaming_content).decode()
    assert body.startswith("retry: 1000\n\n")
    assert f'"message":{message.pk}' in body and "polled" in body
    again = client.get("/live/events", headers={"last-event-id": str(live.cursor_of(creator.pk))})
    assert b"".join(again.streaming_content) == b"retry: 1000\n\n"  # nothing new, nothing repeated
