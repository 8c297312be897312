"""Delivery of outgoing messages to Instagram against the fake Graph server (tests/fake_graph.py).

Opt-in per account; at most once; Meta's error kinds; backoff; the sweeper; the echo; retry.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from crm import delivery, services
from crm.choices import DeliveryStatus, Direction, Platform
from crm.delivery import VIA_API, VIA_INBOX
from crm.models import Message
from crm.signals import message_delivery_changed
from tests.factories import ConversationFactory, FanFactory, PlatformAccountFactory
from tests.webhooks.conftest import ACCOUNT_ID, load, process, store
from webhooks.choices import EventStatus

FAN_IGSID = "17841405822304914"
TOKEN = "IGAAT-test-token-0123456789"


@pytest.fixture
def account(creator):
    return PlatformAccountFactory(
        creator=creator, external_account_id=ACCOUNT_ID, access_token=TOKEN, delivery_enabled=True
    )


@pytest.fixture
def conversation(creator):
    fan = FanFactory(creator=creator, platform=Platform.INSTAGRAM, platform_id=FAN_IGSID, name="Ig Fan")
    return ConversationFactory(creator=creator, fan=fan, platform=Platform.INSTAGRAM)


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks):
    """Run what commits hand to the (immediate) task backend."""

    def run(write):
        with django_capture_on_commit_callbacks(execute=True):
            result = write()
        return result

    return run


def make_due(message) -> None:
    """Move the message's next automatic attempt into the past (time passes)."""
    Message.objects.filter(pk=message.pk).update(delivery_next_attempt_at=timezone.now() - timedelta(seconds=1))


def reply(conversation, text="Thanks for writing!", *, via=VIA_API, **kwargs):
    return services.message_add(conversation=conversation, direction=Direction.OUTGOING, text=text, via=via, **kwargs)


# --- Opt-in --------------------------------------------------------------------------------


def test_without_the_switch_messages_are_recorded_and_nothing_is_sent(creator, conversation, fake_graph, run_tasks):
    PlatformAccountFactory(creator=creator, external_account_id=ACCOUNT_ID, access_token=TOKEN, delivery_enabled=False)
    message = run_tasks(lambda: reply(conversation))
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.RECORDED
    assert fake_graph.requests == []


def test_messages_recorded_by_the_platform_are_never_sent(account, conversation, fake_graph, run_tasks):
    # A webhook's echo, demo data, the contact form: no `via`.
    message = run_tasks(lambda: reply(conversation, via=None))
    assert message.delivery_status == DeliveryStatus.RECORDED
    assert fake_graph.requests == []


def test_the_switch_needs_a_token(creator):
    from core.exceptions import InvalidInput

    with pytest.raises(InvalidInput, match="access token"):
        services.platform_account_connect(
            creator=creator, platform=Platform.INSTAGRAM, external_account_id="1784999", delivery_enabled=True
        )


def test_the_token_is_stored_encrypted(creator):
    account = services.platform_account_connect(
        creator=creator, platform=Platform.INSTAGRAM, external_account_id="1784999", access_token=TOKEN, delivery_enabled=True
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token FROM crm_platformaccount WHERE id = %s", [account.pk])
        stored = cursor.fetchone()[0]
    assert TOKEN not in stored and stored.startswith("gAAAA")
    account.refresh_from_db()
    assert account.access_token == TOKEN and account.delivers


def test_reconnecting_updates_the_token_and_keeps_the_switch(creator):
    first = services.platform_account_connect(
        creator=creator, platform=Platform.INSTAGRAM, external_account_id="1784999", access_token="old", delivery_enabled=True
    )
    again = services.platform_account_connect(
        creator=creator, platform=Platform.INSTAGRAM, external_account_id="1784999", access_token="new-token"
    )
    assert again.pk == first.pk
    again.refresh_from_db()
    assert (again.access_token, again.delivery_enabled) == ("new-token", True)


# --- Sending -------------------------------------------------------------------------------


def test_a_dm_goes_queued_then_sent_once_with_the_token_in_the_header(account, conversation, fake_graph, run_tasks):
    seen = []

    def on_change(sender, message, creator_id, conversation_id, **kwargs):
        seen.append((message.delivery_status, creator_id, conversation_id))

    message_delivery_changed.connect(on_change, dispatch_uid="test_on_change")
    try:
        message = run_tasks(lambda: reply(conversation))
    finally:
        message_delivery_changed.disconnect(dispatch_uid="test_on_change")
    assert message.delivery_status == DeliveryStatus.QUEUED  # what message_add answered
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.SENT
    assert message.platform_message_id == "mid.fake-1"
    [request] = fake_graph.requests
    assert request.path == f"/v23.0/{ACCOUNT_ID}/messages"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in request.path
    assert request.body == {"recipient": {"id": FAN_IGSID}, "message": {"text": "Thanks for writing!"}}
    ids = (conversation.creator_id, conversation.pk)
    assert seen == [(DeliveryStatus.SENDING, *ids), (DeliveryStatus.SENT, *ids)]


def test_a_reply_to_a_comment_goes_through_the_comment_reply_endpoint(account, conversation, fake_graph, run_tasks):
    comment = services.message_add(
        conversation=conversation, direction=Direction.INCOMING, text="Love it", platform_message_id="17865799348089039", is_comment=True
    )
    message = run_tasks(lambda: reply(conversation, "Thank you!", reply_to=comment))
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.SENT
    [request] = fake_graph.requests
    assert request.path == "/v23.0/17865799348089039/replies"
    assert request.body == {"message": "Thank you!"}
    assert message.reply_to_id == comment.pk and message.platform_message_id.startswith("1789")


@pytest.mark.parametrize("target", ["a dm", "another conversation's comment"])
def test_reply_to_must_be_a_comment_of_the_conversation(account, conversation, creator, target):
    from core.exceptions import InvalidInput

    if target == "a dm":
        other = services.message_add(conversation=conversation, direction=Direction.INCOMING, text="hi")
    else:
        elsewhere = ConversationFactory(creator=creator, platform=Platform.INSTAGRAM)
        other = services.message_add(conversation=elsewhere, direction=Direction.INCOMING, text="hi", is_comment=True)
    with pytest.raises(InvalidInput, match="Invalid reply_to"):
        delivery.reply_target(conversation=conversation, message_id=other.pk)
    with pytest.raises(InvalidInput, match="Invalid reply_to"):
        reply(conversation, reply_to=other)
    assert not Message.objects.filter(direction=Direction.OUTGOING).exists()


def test_a_message_too_long_for_instagram_is_refused_before_anything_is_stored(account, conversation, fake_graph):
    from core.exceptions import InvalidInput

    with pytest.raises(InvalidInput, match="at most 1000 characters"):
        reply(conversation, "x" * 1001)
    assert not Message.objects.exists() and fake_graph.requests == []


# --- Meta's errors -------------------------------------------------------------------------

PERMANENT = [
    # (status, code, subcode, what the failure says, advice)
    (400, 190, 463, "access token is invalid or expired", "Reconnect the account"),
    (400, 10, 2534022, "Outside the 24-hour messaging window", "within 24 hours"),
    (400, 551, 1545041, "cannot receive messages", "unavailable"),
    (400, 100, 2018001, "cannot receive messages", "unavailable"),
    (403, 200, None, "Permission missing", "messaging permission"),
    (400, 100, None, "Instagram refused the message", "Change the message"),
]


@pytest.mark.parametrize(("status", "code", "subcode", "error", "advice"), PERMANENT)
def test_permanent_errors_fail_visibly_and_are_not_retried(
    account, conversation, fake_graph, run_tasks, status, code, subcode, error, advice
):
    fake_graph.respond(status, {"error": {"message": "Meta says no", "type": "OAuthException", "code": code, **({"error_subcode": subcode} if subcode else {}), "fbtrace_id": "x"}})
    message = run_tasks(lambda: reply(conversation))
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.FAILED
    assert error in message.delivery_error and "Meta says no" in message.delivery_error
    assert advice in message.delivery_advice
    assert (message.delivery_will_retry, message.delivery_retry_safe) == (False, True)
    assert message.delivery_error_code == (f"{code}/{subcode}" if subcode else str(code))
    # The sweeper leaves it alone: nothing is sent again.
    delivery.deliveries_sweep(now=timezone.now() + timedelta(days=1))
    assert len(fake_graph.requests) == 1


TRANSIENT = [
    (400, {"error": {"message": "Application request limit reached", "type": "OAuthException", "code": 4}}),
    (400, {"error": {"message": "User request limit reached", "type": "OAuthException", "code": 17}}),
    (400, {"error": {"message": "Calls to this api have exceeded the rate limit", "code": 613}}),
    (429, None),
    (500, {"error": {"message": "An unknown error has occurred.", "type": "OAuthException", "code": 1, "is_transient": True}}),
    (503, {"error": {"message": "Service temporarily unavailable", "type": "OAuthException", "code": 2}}),
    (502, None),
]


@pytest.mark.parametrize(("status", "body"), TRANSIENT)
def test_rate_limits_and_5xx_are_retried_with_backoff(account, conversation, fake_graph, run_tasks, settings, status, body):
    fake_graph.respond(status, body)
    message = run_tasks(lambda: reply(conversation))
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.FAILED
    assert message.delivery_will_retry and message.delivery_retry_safe
    wait = (message.delivery_next_attempt_at - message.delivery_updated_at).total_seconds()
    assert wait == settings.DELIVERY_RETRY_BASE_SECONDS
    # Not due yet: the sweeper waits.
    assert delivery.deliveries_sweep()["deliveries_enqueued"] == 0
    # Due: the sweeper hands it to the task again (the immediate backend cannot defer), and it goes.
    make_due(message)
    with_run = run_tasks(delivery.deliveries_sweep)
    assert with_run["deliveries_enqueued"] == 1
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.SENT and message.delivery_attempts == 2
    assert len(fake_graph.requests) == 2


def test_backoff_doubles_and_stops_after_the_last_attempt(account, conversation, fake_graph, run_tasks, settings):
    settings.DELIVERY_MAX_ATTEMPTS = 3
    for _ in range(3):
        fake_graph.fail(4, "Application request limit reached")
    message = run_tasks(lambda: reply(conversation))
    waits = []
    for _ in range(2):
        message.refresh_from_db()
        waits.append((message.delivery_next_attempt_at - message.delivery_updated_at).total_seconds())
        make_due(message)
        run_tasks(delivery.deliveries_sweep)
    message.refresh_from_db()
    assert waits == [settings.DELIVERY_RETRY_BASE_SECONDS, 2 * settings.DELIVERY_RETRY_BASE_SECONDS]
    assert message.delivery_status == DeliveryStatus.FAILED and not message.delivery_will_retry
    assert message.delivery_retry_safe and message.delivery_advice == "Refused 3 times for now; try again later with Retry."
    assert len(fake_graph.requests) == 3


def test_an_unreachable_graph_api_is_retried(account, conversation, run_tasks, settings):
    settings.INSTAGRAM_GRAPH_URL = "http://127.0.0.1:9/v23.0"  # nothing listens: refused
    message = run_tasks(lambda: reply(conversation))
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.FAILED
    assert message.delivery_error_code == "unreachable" and message.delivery_will_retry


def test_a_lost_answer_is_unknown_and_never_sent_again(account, conversation, fake_graph, run_tasks, settings):
    settings.INSTAGRAM_GRAPH_TIMEOUT_SECONDS = 0.5
    fake_graph.respond(200, {"recipient_id": FAN_IGSID, "message_id": "mid.late"}, hold_seconds=3)
    message = run_tasks(lambda: reply(conversation))
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.FAILED
    assert message.delivery_error.startswith("Unknown — check Instagram")
    assert (message.delivery_will_retry, message.delivery_retry_safe) == (False, False)
    delivery.deliveries_sweep(now=timezone.now() + timedelta(days=1))
    from core.exceptions import InvalidInput

    with pytest.raises(InvalidInput):
        delivery.delivery_retry(message=message)
    assert len(fake_graph.requests) == 1


def test_a_token_removed_before_the_send_fails_it_without_a_call(account, conversation, fake_graph, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        message = reply(conversation)
    services.platform_account_update(account=account, delivery_enabled=False)
    for callback in callbacks:
        callback()
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.FAILED and message.delivery_error_code == "delivery_off"
    assert fake_graph.requests == []


# --- The sweeper ---------------------------------------------------------------------------


def test_a_message_left_sending_becomes_unknown_and_is_not_resent(account, conversation, fake_graph, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():  # the task never runs: its worker "died"
        message = reply(conversation)
    delivery.delivery_claim(message_id=message.pk)  # `sending` committed, then the crash
    later = timezone.now() + timedelta(seconds=settings.DELIVERY_SENDING_TIMEOUT_SECONDS + 1)
    assert delivery.deliveries_sweep(now=timezone.now())["deliveries_unknown"] == 0  # may still be in flight
    assert delivery.deliveries_sweep(now=later)["deliveries_unknown"] == 1
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.FAILED and message.delivery_error.startswith("Unknown — check Instagram")
    assert delivery.delivery_claim(message_id=message.pk) is None
    assert fake_graph.requests == []


def test_a_lost_enqueue_is_found_by_the_sweeper(account, conversation, fake_graph, settings, run_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        message = reply(conversation)  # the enqueue is lost
    later = timezone.now() + timedelta(seconds=settings.DELIVERY_QUEUED_GRACE_SECONDS + 1)
    run_tasks(lambda: delivery.deliveries_sweep(now=later))
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.SENT and len(fake_graph.requests) == 1


def test_a_second_task_for_the_same_message_sends_nothing(account, conversation, fake_graph, run_tasks):
    from webhooks.delivery import send

    message = run_tasks(lambda: reply(conversation))
    assert send(message.pk) is None
    assert len(fake_graph.requests) == 1


# --- The echo ------------------------------------------------------------------------------


def echo(mid: str, text: str) -> dict:
    data = load("messaging_echo")
    item = data["entry"][0]["messaging"][0]
    item["message"].update(mid=mid, text=text)
    return data


def test_the_echo_of_a_sent_message_is_no_second_message(account, conversation, fake_graph, run_tasks):
    message = run_tasks(lambda: reply(conversation, "Yes, tell me more."))
    event = process(store(echo("mid.fake-1", "Yes, tell me more."))[0])
    assert event.status == EventStatus.PROCESSED
    assert list(Message.objects.values_list("pk", flat=True)) == [message.pk]


def test_an_echo_that_overtakes_the_send_waits_for_it(account, conversation, fake_graph, django_capture_on_commit_callbacks, run_tasks):
    with django_capture_on_commit_callbacks() as callbacks:
        message = reply(conversation, "Yes, tell me more.")
    delivery.delivery_claim(message_id=message.pk)  # the send task is between its claim and its answer
    event = process(store(echo("mid.fake-1", "Yes, tell me more."))[0])
    assert event.status == EventStatus.FAILED and "DeliveryInFlight" in event.last_error
    assert Message.objects.count() == 1
    # The send finishes (its id recorded); the echo's retry then finds it.
    delivery.delivery_succeeded(message=Message.objects.get(pk=message.pk), platform_message_id="mid.fake-1")
    from webhooks.processing import event_process

    event.next_attempt_at = timezone.now()
    event.save(update_fields=["next_attempt_at"])
    event_process(event_id=event.pk)
    event.refresh_from_db()
    assert event.status == EventStatus.PROCESSED
    assert Message.objects.count() == 1
    assert callbacks  # the task was queued (never run here)


def test_an_echo_confirms_a_message_whose_outcome_was_unknown(account, conversation, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        message = reply(conversation, "Yes, tell me more.")
    claimed = delivery.delivery_claim(message_id=message.pk)
    delivery.delivery_outcome_unknown(message=claimed)
    process(store(echo("mid.echoed", "Yes, tell me more."))[0])
    message.refresh_from_db()
    assert (message.delivery_status, message.platform_message_id) == (DeliveryStatus.SENT, "mid.echoed")
    assert Message.objects.count() == 1


def test_an_echo_of_a_message_sent_elsewhere_is_recorded(account, conversation):
    process(store(echo("mid.phone", "Sent from the Instagram app"))[0])
    recorded = Message.objects.get()
    assert (recorded.direction, recorded.delivery_status) == (Direction.OUTGOING, DeliveryStatus.RECORDED)


# --- Retry, manual -------------------------------------------------------------------------


def test_retry_of_a_safe_failure_sends_it(account, conversation, fake_graph, run_tasks):
    fake_graph.fail(10, "Outside of allowed window", subcode=2534022)
    message = run_tasks(lambda: reply(conversation))
    message.refresh_from_db()
    run_tasks(lambda: delivery.delivery_retry(message=message))
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.SENT and len(fake_graph.requests) == 2


@pytest.mark.parametrize("platform", [Platform.ONLYFANS, Platform.FANSLY, Platform.PATREON, Platform.TIKTOK, Platform.DIRECT])
def test_platforms_without_a_messaging_api_are_manual_from_the_inbox(creator, platform, fake_graph, run_tasks):
    conversation = ConversationFactory(creator=creator, platform=platform)
    message = run_tasks(lambda: reply(conversation, via=VIA_INBOX))
    assert message.delivery_status == DeliveryStatus.MANUAL and message.delivery_advice
    # An API client records what it sent there itself.
    assert reply(conversation, via=VIA_API).delivery_status == DeliveryStatus.RECORDED
    assert fake_graph.requests == []
