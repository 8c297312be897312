"""The live endpoint through the live process's ASGI application: authentication, Origin,
authorisation, delivery as it happens, resume from Last-Event-ID, the end of a stream."""

import pytest
from django.db import connection

from core.live import feed
from core.live.models import FeedEvent
from crm import live, services
from crm.choices import Direction
from tests.factories import ConversationFactory, FanFactory

from .stream_client import Stream, scope, session_cookie

pytestmark = [pytest.mark.once, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _short_streams(settings):
    from core.live import wakeup

    live.rendered_events.clear()
    settings.LIVE_POLL_SECONDS = 0.05
    settings.LIVE_HEARTBEAT_SECONDS = 1
    yield
    wakeup.executor_shutdown()  # its connections closed before the database is flushed


def open_stream(user=None, *, query="", headers=()):
    cookie = session_cookie(user) if user is not None else None
    return Stream(scope("/live/events", query=query, cookie=cookie, headers=headers))


def incoming(conversation, text):
    return services.message_add(conversation=conversation, direction=Direction.INCOMING, text=text)


def refused(stream) -> tuple[int, dict]:
    import json

    stream.wait_for(lambda s: s.ended.is_set())
    stream.close()
    return stream.status, json.loads(stream.body)


def test_without_a_session_the_stream_is_refused():
    assert refused(open_stream()) == (403, {"error": "Sign in to watch live updates"})


@pytest.mark.parametrize(
    "headers",
    [[("origin", "https://evil.example")], [("sec-fetch-site", "cross-site")], [("sec-fetch-site", "same-site")]],
)
def test_another_origin_is_refused(creator, headers):
    assert refused(open_stream(creator.user, headers=headers)) == (403, {"error": "Cross-origin request refused"})


@pytest.mark.parametrize("cursor", ["abc", "-1", "1" * 30])
def test_a_malformed_cursor_is_a_400(creator, cursor):
    assert refused(open_stream(creator.user, headers=[("last-event-id", cursor)])) == (400, {"error": "Invalid cursor"})


def test_a_message_arrives_on_the_open_stream_rendered_for_the_page(creator):
    conversation = ConversationFactory(fan=FanFactory(creator=creator, name="Ada"))
    stream = open_stream(creator.user, query=f"after={live.cursor_of(creator.pk)}",
                         headers=[("origin", "http://testserver"), ("sec-fetch-site", "same-origin")])
    try:
        stream.wait_for(lambda s: s.status == 200 and b"retry:" in s.body)
        assert stream.headers["content-type"] == "text/event-stream"
        assert stream.headers["cache-control"] == "no-store"
        message = incoming(conversation, "hello live")
        stream.wait_for(lambda s: any(f["event"] == "message" for f in s.data_frames()))
        frame = next(f for f in stream.data_frames() if f["event"] == "message")
        assert frame["data"]["message"] == message.pk and frame["data"]["conversation"] == conversation.pk
        assert "hello live" in frame["data"]["html"] and "Ada" in frame["data"]["html"]
        assert frame["data"]["unread_total"] == 1
    finally:
        stream.close()


def test_a_resumed_stream_misses_nothing_and_repeats_nothing(creator):
    conversation = ConversationFactory(fan=FanFactory(creator=creator))
    start = live.cursor_of(creator.pk)
    first = open_stream(creator.user, query=f"after={start}")
    try:
        incoming(conversation, "one")
        first.wait_for(lambda s: len(s.data_frames()) >= 1)
        last_seen = first.data_frames()[-1]["id"]
    finally:
        first.close()  # the connection drops...
    texts = ["two", "three", "four"]
    for text in texts:  # ...while the conversation goes on
        incoming(conversation, text)
    # EventSource reconnects with the last id it saw; the page's older ?after= is overridden.
    second = open_stream(creator.user, query=f"after={start}", headers=[("last-event-id", str(last_seen))])
    try:
        second.wait_for(lambda s: len([f for f in s.data_frames() if f["event"] == "message"]) >= 3)
        incoming(conversation, "five")
        second.wait_for(lambda s: len([f for f in s.data_frames() if f["event"] == "message"]) >= 4)
    finally:
        second.close()
    got = [f for f in second.data_frames() if f["event"] == "message"]
    assert [t for f in got for t in [*texts, "five"] if f">{t}<" in f["data"]["html"]] == [*texts, "five"]
    from prometheus_client import REGISTRY

    assert REGISTRY.get_sample_value("crm_live_events_sent_total") >= 5
    ids = second.ids()
    assert ids == sorted(set(ids)) and min(ids) > last_seen  # in order, once each, nothing before the cursor
    expected = list(FeedEvent.objects.filter(stream=live.stream_of(creator.pk), id__gt=last_seen).values_list("id", flat=True))
    assert ids == expected  # every event after the cursor, none missing


def test_a_member_of_another_creator_receives_none_of_it(creator, other_creator):
    conversation = ConversationFactory(fan=FanFactory(creator=creator))
    watcher = open_stream(other_creator.user, query="after=0")
    owner = open_stream(creator.user, query="after=0")
    try:
        incoming(conversation, "secret words")
        owner.wait_for(lambda s: any(f["event"] == "message" for f in s.data_frames()))
        watcher.wait_for(lambda s: s.status == 200)
    finally:
        watcher.close()
        owner.close()
    assert b"secret" not in watcher.body and watcher.data_frames() == [] and watcher.ids() == []


def test_a_cursor_whose_event_was_pruned_asks_the_page_to_reload(creator):
    stream_name = live.stream_of(creator.pk)
    old = feed.publish(stream_name, "job", {})
    feed.publish(stream_name, "job", {})
    FeedEvent.objects.filter(pk=old.pk).delete()
    stream = open_stream(creator.user, headers=[("last-event-id", str(old.pk))])
    stream.wait_for(lambda s: s.ended.is_set())
    stream.close()
    assert b"event: reset" in stream.body


def test_a_stream_ends_after_its_lifetime_and_the_browser_reconnects(creator, settings):
    from prometheus_client import REGISTRY

    def count(event):
        return REGISTRY.get_sample_value("crm_live_streams_total", {"event": event}) or 0

    opened, ended = count("opened"), count("ended")
    settings.LIVE_STREAM_SECONDS = 0.5
    stream = open_stream(creator.user)
    stream.wait_for(lambda s: s.ended.is_set(), timeout=5)
    stream.close()
    assert stream.status == 200 and stream.body.startswith(b"retry: 1000\n\n")
    assert (count("opened"), count("ended")) == (opened + 1, ended + 1)  # counted for /metrics


def test_the_wakeup_of_this_database_is_chosen(settings):
    from core.live.wakeup import backend_name

    settings.LIVE_WAKEUP = "auto"
    settings.REDIS_URL = ""
    assert backend_name() == ("postgres" if connection.vendor == "postgresql" else "poll")
