"""Processing: handlers per field, routing, idempotent replay, retries, dead events, the sweeper."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from crm import services as crm_services
from crm.choices import Direction, Platform
from crm.models import Conversation, Fan, Message
from tests.factories import CreatorFactory, FanFactory, PlatformAccountFactory
from tests.helpers import assert_status
from tests.webhooks.conftest import ACCOUNT_ID, deliver, load, process, store
from webhooks import handlers
from webhooks.choices import EventStatus, IgnoredReason
from webhooks.models import WebhookEvent
from webhooks.processing import event_claim, event_process, retry_delay
from webhooks.selectors import account_activity
from webhooks.services import LEASE_EXPIRED, WorkerLost, events_ignore, events_replay, events_sweep

pytestmark = pytest.mark.django_db

FAN_ID = "17841405822304914"


# --- Handlers ------------------------------------------------------------------------------


def test_a_comment_makes_a_fan_a_conversation_and_an_incoming_message(account):
    event = process(store("comments")[0])
    assert event.status == EventStatus.PROCESSED
    assert event.attempts == 1 and event.processed_at and event.lease_expires_at is None
    fan = Fan.objects.get(creator=account.creator)
    assert (fan.platform, fan.platform_id, fan.handle, fan.name) == (Platform.INSTAGRAM, FAN_ID, "@fan_username", "fan_username")
    message = Message.objects.get(fan=fan)
    assert message.direction == Direction.INCOMING
    assert message.text == "Great content!"
    assert message.platform_message_id == "17865799348089039"
    assert message.created_at == datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    assert message.conversation.platform == Platform.INSTAGRAM
    assert message.conversation.unread_count == 1


def test_a_comment_from_a_known_fan_matches_that_fan(account):
    known = FanFactory(creator=account.creator, platform=Platform.INSTAGRAM, platform_id=FAN_ID, handle="@old", name="Known")
    process(store("comments")[0])
    assert Fan.objects.filter(creator=account.creator).count() == 1
    assert Message.objects.get().fan == known
    known.refresh_from_db()
    assert (known.name, known.handle) == ("Known", "@old")


def test_a_comment_names_a_dm_fan_but_keeps_a_name_the_creator_gave(account):
    process(store("messaging")[0])
    fan = Fan.objects.get(creator=account.creator)
    crm_services.fan_update(fan=fan, name="Alex from the gym")
    process(store("comments")[0])
    fan.refresh_from_db()
    assert (fan.handle, fan.name) == ("@fan_username", "Alex from the gym")


def test_comments_and_dms_of_one_user_share_the_fans_instagram_conversation(account):
    for name in ("messaging", "comments", "messaging_echo"):
        process(store(name)[0])
    fan = Fan.objects.get(creator=account.creator)
    # The DM came first (no username); the comment then named the fan.
    assert (fan.handle, fan.name) == ("@fan_username", "fan_username")
    conversation = Conversation.objects.get(fan=fan)
    assert conversation.message_count == 3
    directions = list(conversation.messages.order_by("created_at").values_list("direction", "text"))
    assert directions == [
        (Direction.INCOMING, "Great content!"),
        (Direction.INCOMING, "Hi! Do you do customs?"),
        (Direction.OUTGOING, "Yes, tell me more."),
    ]
    echo = conversation.messages.get(direction=Direction.OUTGOING)
    assert echo.response_seconds == 100  # answered 100 s after the DM (timestamps in ms)


def test_an_echo_alone_makes_the_recipient_the_fan(account):
    process(store("messaging_echo")[0])
    message = Message.objects.get()
    assert message.direction == Direction.OUTGOING
    assert message.fan.platform_id == FAN_ID
    assert message.fan.name == f"Instagram user {FAN_ID}"


def test_mentions_and_media_are_activity_without_a_fan(account, django_assert_num_queries):
    for name in ("mentions", "media"):
        assert process(store(name)[0]).status == EventStatus.PROCESSED
    assert not Fan.objects.exists()
    with django_assert_num_queries(1):
        activity = account_activity(account.creator, limit=10)
    assert [(a.kind, a.item_id, a.media_id, a.media_type, a.text) for a in activity] == [
        ("media", "17895695668004550", "17895695668004550", "IMAGE", "New post!"),
        ("mentions", "17894227972186120", "17918195224117851", "", ""),
    ]
    assert activity[0].occurred_at == datetime(2025, 1, 1, 14, 0, tzinfo=UTC)
    assert activity[0].account_id == ACCOUNT_ID


def test_account_activity_is_the_creators_own_and_bounded(account):
    for n in range(3):
        data = load("media")
        data["entry"][0]["changes"][0]["value"]["id"] = f"m{n}"
        process(store(data)[0])
    other = CreatorFactory()
    assert account_activity(other) == []
    assert len(account_activity(account.creator, limit=2)) == 2
    assert len(account_activity(account.creator, limit=0)) == 1


def test_the_batch_fixture_routes_every_item(account):
    events = store("batch")
    for event in events:
        process(event)
    by_type = {}
    for event in WebhookEvent.objects.all():
        by_type.setdefault(event.event_type, set()).add((event.status, event.ignored_reason))
    assert by_type["comments"] == {(EventStatus.PROCESSED, ""), (EventStatus.IGNORED, IgnoredReason.NO_ACCOUNT)}
    assert by_type["mentions"] == {(EventStatus.PROCESSED, "")}
    assert by_type["media"] == {(EventStatus.PROCESSED, "")}
    assert by_type["story_insights"] == {(EventStatus.IGNORED, IgnoredReason.UNSUPPORTED)}
    # The DM is processed; the read receipt is kept but ignored as unsupported.
    assert by_type["messaging"] == {(EventStatus.PROCESSED, ""), (EventStatus.IGNORED, IgnoredReason.UNSUPPORTED)}
    assert Message.objects.filter(creator=account.creator).count() == 3
    assert Fan.objects.filter(creator=account.creator).count() == 2


@pytest.mark.parametrize(
    "value",
    [
        {"id": "c1", "text": "no author"},
        {"text": "no id", "from": {"id": "u1"}},
        {"id": "c2", "text": "own", "from": {"id": ACCOUNT_ID, "username": "the_creator"}},
        {"id": "c3", "text": "long id", "from": {"id": "9" * 256}},
        {"id": "c" * 256, "text": "long comment id", "from": {"id": "u1"}},
    ],
)
def test_comments_that_cannot_be_attributed_are_ignored_as_unsupported(account, value):
    data = load("comments")
    data["entry"][0]["changes"][0]["value"] = value
    event = process(store(data)[0])
    assert (event.status, event.ignored_reason) == (EventStatus.IGNORED, IgnoredReason.UNSUPPORTED)
    assert event.last_error
    assert not Message.objects.exists()


def test_a_very_long_username_is_cut_to_fit_the_handle(account):
    data = load("comments")
    data["entry"][0]["changes"][0]["value"]["from"]["username"] = "u" * 400
    assert process(store(data)[0]).status == EventStatus.PROCESSED
    fan = Fan.objects.get()
    assert fan.handle == "@" + "u" * 254 and fan.name == "u" * 254


def test_attachment_only_dms_are_recorded_with_a_summary(account):
    data = load("messaging")
    message = data["entry"][0]["messaging"][0]["message"]
    del message["text"]
    message["attachments"] = [{"type": "image", "payload": {"url": "https://example.invalid/x.jpg"}}]
    process(store(data)[0])
    assert Message.objects.get().text == "[image]"


# --- Idempotence ---------------------------------------------------------------------------


def test_replaying_processed_events_changes_nothing(account, django_capture_on_commit_callbacks):
    events = [process(store(name)[0]) for name in ("comments", "messaging", "messaging_echo", "media")]
    before = (Fan.objects.count(), Conversation.objects.count(), list(Message.objects.values_list("id", flat=True)))
    conversation = Conversation.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        assert events_replay(event_ids=[e.pk for e in events]) == 4  # ImmediateBackend: processed again
    assert (Fan.objects.count(), Conversation.objects.count(), list(Message.objects.values_list("id", flat=True))) == before
    assert set(WebhookEvent.objects.values_list("status", flat=True)) == {EventStatus.PROCESSED}
    conversation.refresh_from_db()
    assert conversation.message_count == 3


def test_replay_after_the_conversation_was_archived_adds_no_duplicate(account, django_capture_on_commit_callbacks):
    event = process(store("comments")[0])
    crm_services.conversation_update(conversation=Conversation.objects.get(), is_archived=True)
    with django_capture_on_commit_callbacks(execute=True):
        events_replay(event_ids=[event.pk])
    event.refresh_from_db()
    assert (event.status, event.attempts) == (EventStatus.PROCESSED, 1)
    assert Message.objects.count() == 1
    assert Conversation.objects.count() == 1


def test_a_second_task_for_a_finished_event_is_a_no_op(account):
    event = process(store("comments")[0])
    assert event_process(event_id=event.pk) is None
    event.refresh_from_db()
    assert event.attempts == 1


def test_a_live_lease_cannot_be_claimed_twice(account):
    event = store("comments")[0]
    assert event_claim(event_id=event.pk) == 1
    assert event_claim(event_id=event.pk) is None
    assert event_process(event_id=event.pk) is None
    assert not Message.objects.exists()


def test_a_worker_whose_lease_was_taken_over_cannot_finish(account, monkeypatch):
    """The attempt number fences the finish: the stale worker's work is rolled back."""
    event = store("comments")[0]
    original = handlers.HANDLERS["comments"]

    def take_over_then_handle(creator, ev):
        # While this worker runs, its lease expires and another claim happens.
        WebhookEvent.objects.filter(pk=ev.pk).update(attempts=ev.attempts + 1)
        return original(creator, ev)

    monkeypatch.setitem(handlers.HANDLERS, "comments", take_over_then_handle)
    assert event_process(event_id=event.pk) is None
    assert not Message.objects.exists()


# --- Unknown account, then connect -----------------------------------------------------------


def test_an_event_for_no_connected_account_is_ignored_then_replayed_on_connect(
    creator, django_capture_on_commit_callbacks
):
    event = process(store("comments")[0])
    assert (event.status, event.ignored_reason, event.creator) == (EventStatus.IGNORED, IgnoredReason.NO_ACCOUNT, None)
    assert ACCOUNT_ID in event.last_error
    with django_capture_on_commit_callbacks(execute=True):
        crm_services.platform_account_connect(creator=creator, platform=Platform.INSTAGRAM, external_account_id=ACCOUNT_ID)
    event.refresh_from_db()
    assert (event.status, event.creator, event.ignored_reason, event.attempts) == (EventStatus.PROCESSED, creator, "", 1)
    assert Message.objects.get().creator_id == creator.pk


def test_connecting_another_platform_replays_nothing(creator, django_capture_on_commit_callbacks):
    event = process(store("comments")[0])
    with django_capture_on_commit_callbacks(execute=True):
        crm_services.platform_account_connect(creator=creator, platform=Platform.TIKTOK, external_account_id=ACCOUNT_ID)
    event.refresh_from_db()
    assert event.status == EventStatus.IGNORED


def test_staff_ignored_events_are_not_replayed_on_connect(creator, django_capture_on_commit_callbacks):
    event = store("comments")[0]
    assert events_ignore(event_ids=[event.pk]) == 1
    with django_capture_on_commit_callbacks(execute=True):
        crm_services.platform_account_connect(creator=creator, platform=Platform.INSTAGRAM, external_account_id=ACCOUNT_ID)
    event.refresh_from_db()
    assert (event.status, event.ignored_reason) == (EventStatus.IGNORED, IgnoredReason.STAFF)
    assert events_sweep()["account_connected"] == 0


def test_a_pending_event_stored_before_the_connect_resolves_its_creator(creator):
    event = store("comments")[0]
    assert event.creator is None
    PlatformAccountFactory(creator=creator, external_account_id=ACCOUNT_ID)
    assert process(event).status == EventStatus.PROCESSED
    assert event.creator == creator


def test_the_sweeper_replays_ignored_events_whose_account_connected_meanwhile(creator):
    """The race: the connect-time replay ran just before the processor marked the event ignored."""
    event = process(store("comments")[0])
    PlatformAccountFactory(creator=creator, external_account_id=ACCOUNT_ID)  # no signal
    assert events_sweep()["account_connected"] == 1
    event.refresh_from_db()
    assert event.status == EventStatus.PROCESSED


def test_the_connect_endpoint_flow_through_the_intake(meta, creator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert_status(deliver(meta, load("messaging")), 200)
    assert WebhookEvent.objects.get().status == EventStatus.IGNORED
    with django_capture_on_commit_callbacks(execute=True):
        crm_services.platform_account_connect(creator=creator, platform=Platform.INSTAGRAM, external_account_id=ACCOUNT_ID)
    assert WebhookEvent.objects.get().status == EventStatus.PROCESSED
    assert Message.objects.get().text == "Hi! Do you do customs?"


# --- Failures, retries, dead ----------------------------------------------------------------


def flaky(failures: int):
    """A comments handler that raises `failures` times, then does the real work."""
    calls = {"n": 0}

    def handler(creator, event):
        calls["n"] += 1
        if calls["n"] <= failures:
            raise RuntimeError(f"boom {calls['n']}")
        return handlers.handle_comment(creator, event)

    handler.calls = calls
    return handler


def test_retry_delay_is_exponential_and_capped(settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    settings.WEBHOOK_RETRY_MAX_SECONDS = 3600
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4, 8, 20)] == [30, 60, 120, 240, 3600, 3600]


def test_a_handler_failing_twice_then_succeeding(account, monkeypatch):
    handler = flaky(2)
    monkeypatch.setitem(handlers.HANDLERS, "comments", handler)
    event = store("comments")[0]

    before = timezone.now()
    event = process(event)
    assert (event.status, event.attempts) == (EventStatus.FAILED, 1)
    assert "RuntimeError: boom 1" in event.last_error
    assert before + timedelta(seconds=30) <= event.next_attempt_at <= timezone.now() + timedelta(seconds=30)
    assert not Message.objects.exists()  # the failed attempt left nothing behind

    # Not due yet: neither a stray task nor the sweeper retries it.
    assert event_process(event_id=event.pk) is None
    assert events_sweep()["retry_due"] == 0

    assert events_sweep(now=event.next_attempt_at)["retry_due"] == 1  # ImmediateBackend runs it here
    event.refresh_from_db()
    assert (event.status, event.attempts) == (EventStatus.FAILED, 2)
    assert "boom 2" in event.last_error
    assert event.next_attempt_at - timezone.now() > timedelta(seconds=55)  # 60 s after the 2nd

    assert events_sweep(now=event.next_attempt_at)["retry_due"] == 1
    event.refresh_from_db()
    assert (event.status, event.attempts, event.last_error, event.next_attempt_at) == (EventStatus.PROCESSED, 3, "", None)
    assert handler.calls["n"] == 3
    assert Message.objects.count() == 1


def test_exhaustion_makes_the_event_dead(account, monkeypatch, settings, django_capture_on_commit_callbacks):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    monkeypatch.setitem(handlers.HANDLERS, "comments", flaky(99))
    event = process(store("comments")[0])
    for _ in range(2):
        events_sweep(now=event.next_attempt_at)
        event.refresh_from_db()
    assert (event.status, event.attempts, event.next_attempt_at) == (EventStatus.DEAD, 3, None)
    assert "boom 3" in event.last_error
    far_future = timezone.now() + timedelta(days=30)
    assert events_sweep(now=far_future) == {
        "dead": 0,
        "lease_expired": 0,
        "retry_due": 0,
        "lost_enqueue": 0,
        "account_connected": 0,
        "abandoned_results": 0,
    }
    # Staff can bring a dead event back once the cause is fixed.
    monkeypatch.setitem(handlers.HANDLERS, "comments", handlers.handle_comment)
    with django_capture_on_commit_callbacks(execute=True):
        assert events_replay(event_ids=[event.pk]) == 1
    event.refresh_from_db()
    assert (event.status, event.attempts) == (EventStatus.PROCESSED, 1)


# --- The sweeper -----------------------------------------------------------------------------


def test_an_expired_lease_is_re_enqueued_by_the_sweeper(account, settings):
    settings.WEBHOOK_LEASE_SECONDS = 60
    event = store("comments")[0]
    assert event_claim(event_id=event.pk) == 1  # a worker took it, then died
    event.refresh_from_db()
    assert events_sweep(now=event.lease_expires_at - timedelta(seconds=1))["lease_expired"] == 0
    assert events_sweep(now=event.lease_expires_at + timedelta(seconds=1))["lease_expired"] == 1
    event.refresh_from_db()
    assert (event.status, event.attempts) == (EventStatus.PROCESSED, 2)
    assert Message.objects.count() == 1


def test_an_expired_lease_on_the_last_attempt_is_dead(account, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    event = store("comments")[0]
    event_claim(event_id=event.pk)
    event.refresh_from_db()
    counts = events_sweep(now=event.lease_expires_at + timedelta(seconds=1))
    assert (counts["lease_expired"], counts["dead"]) == (0, 1)
    event.refresh_from_db()
    assert (event.status, event.last_error) == (EventStatus.DEAD, LEASE_EXPIRED)


def test_a_lost_enqueue_is_re_enqueued_after_the_grace(account, settings):
    settings.WEBHOOK_PENDING_GRACE_SECONDS = 120
    event = store("comments")[0]  # stored, but its on-commit enqueue never ran
    assert events_sweep()["lost_enqueue"] == 0
    assert events_sweep(now=timezone.now() + timedelta(seconds=121))["lost_enqueue"] == 1
    event.refresh_from_db()
    assert event.status == EventStatus.PROCESSED


def test_the_sweeper_leaves_finished_and_ignored_events_alone(account):
    processed = process(store("comments")[0])
    staff_ignored = store("media")[0]
    events_ignore(event_ids=[staff_ignored.pk, processed.pk])
    counts = events_sweep(now=timezone.now() + timedelta(days=1))
    assert sum(counts.values()) == 0
    processed.refresh_from_db()
    assert processed.status == EventStatus.PROCESSED


def test_ignore_takes_an_event_away_from_its_worker(account, monkeypatch):
    event = store("comments")[0]

    def staff_ignore_meanwhile(creator, ev):
        WebhookEvent.objects.filter(pk=ev.pk).update(status=EventStatus.IGNORED)
        return handlers.handle_comment(creator, ev)

    monkeypatch.setitem(handlers.HANDLERS, "comments", staff_ignore_meanwhile)
    event_process(event_id=event.pk)
    assert not Message.objects.exists()


def test_replay_skips_events_under_a_live_lease(account):
    event = store("comments")[0]
    event_claim(event_id=event.pk)
    assert events_replay(event_ids=[event.pk]) == 0


def test_sweep_command_runs_once(account, settings):
    from io import StringIO

    from django.core.management import call_command

    settings.WEBHOOK_PENDING_GRACE_SECONDS = 0
    store("comments")
    out = StringIO()
    call_command("sweep_webhooks", stdout=out)
    assert "lost_enqueue=1" in out.getvalue()
    assert WebhookEvent.objects.get().status == EventStatus.PROCESSED


def test_a_failing_replay_on_connect_does_not_fail_the_connection(creator, monkeypatch, django_capture_on_commit_callbacks):
    from webhooks import services

    event = process(store("comments")[0])

    def broken(**kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(services, "events_replay_for_account", broken)
    with django_capture_on_commit_callbacks(execute=True):
        crm_services.platform_account_connect(creator=creator, platform=Platform.INSTAGRAM, external_account_id=ACCOUNT_ID)
    event.refresh_from_db()
    assert event.status == EventStatus.IGNORED
    assert events_sweep()["account_connected"] == 1  # the sweeper catches up
    event.refresh_from_db()
    assert event.status == EventStatus.PROCESSED


def test_the_sweeper_closes_task_results_a_dead_worker_left_running(account, settings):
    """django-tasks-db keeps a killed worker's result RUNNING for ever; once the sweeper finds the
    worker's event with an expired lease, results older than the lease are closed."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    event = store("comments")[0]
    assert event_claim(event_id=event.pk) == 1  # a worker took it, then died
    event.refresh_from_db()
    now = event.lease_expires_at + timedelta(seconds=1)
    lease = timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS)

    def result(task_path, started_at):
        return DBTaskResult.objects.create(
            status="RUNNING",
            args_kwargs={"args": [1], "kwargs": {}},
            task_path=task_path,
            backend_name="default",
            run_after=now,
            started_at=started_at,
        )

    abandoned = result("webhooks.tasks.process_event", now - lease - timedelta(seconds=1))
    young = result("webhooks.tasks.process_event", now - lease + timedelta(seconds=5))
    other_task = result("screening.tasks.purge_expired_screening_files", now - 10 * lease)
    # Without an expired lease the sweep does not look at the results at all.
    assert events_sweep(now=event.lease_expires_at - timedelta(seconds=1))["abandoned_results"] == 0
    assert DBTaskResult.objects.get(pk=abandoned.pk).status == "RUNNING"
    swept = events_sweep(now=now)
    assert (swept["lease_expired"], swept["abandoned_results"]) == (1, 1)
    abandoned.refresh_from_db()
    assert (abandoned.status, abandoned.finished_at) == ("FAILED", now)
    assert abandoned.exception_class_path == "webhooks.services.WorkerLost"
    assert abandoned.task_result.errors[0].exception_class is WorkerLost  # the recorded path resolves
    assert "re-enqueued the event" in abandoned.traceback
    assert DBTaskResult.objects.get(pk=young.pk).status == "RUNNING"
    assert DBTaskResult.objects.get(pk=other_task.pk).status == "RUNNING"
    assert events_sweep(now=now)["abandoned_results"] == 0


def test_a_sweep_with_nothing_to_do_only_reads(account):
    """The sweeper runs every few seconds: when nothing is due it takes no write lock (SQLite has one)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    process(store("comments")[0])
    with CaptureQueriesContext(connection) as queries:
        assert sum(events_sweep().values()) == 0
    statements = [q["sql"] for q in queries.captured_queries]
    assert [sql for sql in statements if not sql.startswith("SELECT")] == []
