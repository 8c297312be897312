"""A real `db_worker` killed with SIGKILL before and after its call to the (fake) Graph API: the
message ends `failed`, outcome unknown, and is never sent again — at most once."""

import signal
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from crm import delivery, services
from crm.choices import DeliveryStatus, Direction, Platform
from crm.delivery import VIA_API
from crm.models import Message
from tests.factories import ConversationFactory, CreatorFactory, FanFactory, PlatformAccountFactory
from tests.webhooks.conftest import ACCOUNT_ID
from tests.webhooks.test_worker_kill import wait_for, worker

pytestmark = pytest.mark.django_db(transaction=True)


def queued_message(settings) -> Message:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    creator = CreatorFactory()
    PlatformAccountFactory(creator=creator, external_account_id=ACCOUNT_ID, access_token="tok", delivery_enabled=True)
    fan = FanFactory(creator=creator, platform=Platform.INSTAGRAM, platform_id="17841405822304914")
    conversation = ConversationFactory(creator=creator, fan=fan, platform=Platform.INSTAGRAM)
    # Autocommit: the enqueue after commit writes the task row the worker picks up.
    return services.message_add(conversation=conversation, direction=Direction.OUTGOING, text="Hello!", via=VIA_API)


def kill(proc) -> None:
    try:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL


def settle_and_check(message: Message, fake_graph, settings, *, calls: int) -> None:
    """The sweeper turns the orphaned `sending` into failed-unknown; a fresh worker sends nothing."""
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.SENDING
    assert delivery.deliveries_sweep()["deliveries_unknown"] == 0  # may still be in flight
    later = timezone.now() + timedelta(seconds=settings.DELIVERY_SENDING_TIMEOUT_SECONDS + 1)
    assert delivery.deliveries_sweep(now=later)["deliveries_unknown"] == 1
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.FAILED
    assert message.delivery_error.startswith("Unknown — check Instagram")
    assert not message.delivery_retry_safe

    # Another worker, and the task enqueued again by hand: neither sends it.
    from webhooks.tasks import deliver_message

    deliver_message.enqueue(message.pk)
    second = worker("--batch", "--interval", "0", INSTAGRAM_GRAPH_URL=fake_graph.url, DJANGO_SETTINGS_MODULE="tests.webhooks.delivery_worker_settings")
    output, _ = second.communicate(timeout=120)
    assert second.returncode == 0, output.decode()[-3000:]
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.FAILED
    assert len(fake_graph.requests) == calls
    assert Message.objects.count() == 1


def test_killed_before_the_call(settings, fake_graph, tmp_path: Path):
    message = queued_message(settings)
    marker = tmp_path / "claimed"
    first = worker(
        "--interval", "0.1",
        INSTAGRAM_GRAPH_URL=fake_graph.url,
        DJANGO_SETTINGS_MODULE="tests.webhooks.delivery_worker_settings",
        DELIVERY_TEST_STALL_MARKER=str(marker),
    )
    wait_for(marker.exists, 60, "the worker to claim the message", first)
    kill(first)
    assert fake_graph.requests == []
    settle_and_check(message, fake_graph, settings, calls=0)


def test_killed_after_the_call_reached_instagram(settings, fake_graph):
    message = queued_message(settings)
    fake_graph.respond(200, {"recipient_id": "17841405822304914", "message_id": "mid.never-read"}, hold_seconds=60)
    first = worker("--interval", "0.1", INSTAGRAM_GRAPH_URL=fake_graph.url, DJANGO_SETTINGS_MODULE="tests.webhooks.delivery_worker_settings")
    wait_for(lambda: len(fake_graph.requests) == 1, 60, "the call to reach the fake Graph API", first)
    kill(first)
    settle_and_check(message, fake_graph, settings, calls=1)
