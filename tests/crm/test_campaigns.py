"""Campaigns (crm.campaigns): scheduled messages, segments, mass messages; the database task
backend with `run_after` and a real `db_worker` run (batch), Instagram delivery against the fake
Graph server."""

from datetime import timedelta
from pathlib import Path

import django.test
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from core.exceptions import InvalidInput
from crm import campaigns, services
from crm.choices import (
    ConsentSource,
    DeliveryStatus,
    Direction,
    MassMessageStatus,
    Platform,
    RecipientStatus,
    ScheduledStatus,
    SkipReason,
)
from crm.models import Conversation, MassMessage, MassMessageRecipient, Message, ScheduledMessage
from tests.factories import (
    ChatBlockFactory,
    ChatVisitorFactory,
    ConversationFactory,
    CreatorFactory,
    FanFactory,
    PlatformAccountFactory,
    TagFactory,
)

ACCOUNT_ID = "17841400000000001"


@pytest.fixture
def db_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def account(creator):
    return PlatformAccountFactory(
        creator=creator, external_account_id=ACCOUNT_ID, access_token="IGAAT-test-token", delivery_enabled=True
    )


def ig_fan(creator, n=0, **kwargs):
    kwargs.setdefault("last_seen_at", timezone.now() - timedelta(hours=1))
    fan = FanFactory(creator=creator, platform=Platform.INSTAGRAM, platform_id=f"1784100000{n:04d}", **kwargs)
    ConversationFactory(creator=creator, fan=fan, platform=Platform.INSTAGRAM)
    return fan


def work() -> None:
    """The worker runs everything due (deferred tasks wait for their `run_after`)."""
    call_command("db_worker", queue_name="*", batch=True, startup_delay=False, interval=0, verbosity=0)


def time_passes(scheduled: ScheduledMessage) -> None:
    """Its time comes: the row and its deferred task are due."""
    past = timezone.now() - timedelta(seconds=1)
    ScheduledMessage.objects.filter(pk=scheduled.pk).update(send_at=past)
    DBTaskResult.objects.filter(status="READY").update(run_after=past)


# --- Scheduled messages -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_scheduled_message_goes_out_at_its_time_through_delivery_once(creator, account, db_tasks, fake_graph):
    fan = ig_fan(creator)
    conversation = fan.conversations.get()
    send_at = timezone.now() + timedelta(hours=3)
    scheduled = campaigns.scheduled_message_create(conversation=conversation, text="Evening!", send_at=send_at)
    # Not a message yet: no list, counter or response time sees it.
    assert Message.objects.count() == 0
    assert Conversation.objects.get(pk=conversation.pk).message_count == 0
    task = DBTaskResult.objects.get()
    assert task.run_after == send_at
    work()
    assert ScheduledMessage.objects.get(pk=scheduled.pk).status == ScheduledStatus.SCHEDULED
    assert fake_graph.requests == []
    time_passes(scheduled)
    before = timezone.now()
    work()
    scheduled.refresh_from_db()
    assert scheduled.status == ScheduledStatus.SENT
    message = scheduled.message
    assert message.created_at >= before  # created at the send time, not when written
    assert message.delivery_status == DeliveryStatus.SENT
    assert len(fake_graph.requests) == 1
    assert Conversation.objects.get(pk=conversation.pk).message_count == 1
    # Another task (the sweeper's) finds nothing to send.
    assert campaigns.scheduled_message_send(scheduled_id=scheduled.pk) is None
    assert Message.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_worker_down_across_the_due_time_sends_once_when_it_returns(creator, account, db_tasks, fake_graph, settings):
    fan = ig_fan(creator)
    scheduled = campaigns.scheduled_message_create(
        conversation=fan.conversations.get(), text="Hi", send_at=timezone.now() + timedelta(minutes=5)
    )
    time_passes(scheduled)
    # The sweeper runs while the worker is down (and the grace passed): a second task, harmless.
    counts = campaigns.campaigns_sweep(now=timezone.now() + timedelta(seconds=settings.CAMPAIGN_SWEEP_GRACE_SECONDS + 1))
    assert counts["scheduled_enqueued"] == 1
    assert DBTaskResult.objects.count() == 2
    work()  # the worker returns: both tasks run, one message
    assert Message.objects.count() == 1
    assert len(fake_graph.requests) == 1
    assert campaigns.campaigns_sweep(now=timezone.now() + timedelta(hours=1))["scheduled_enqueued"] == 0


@pytest.mark.django_db
def test_send_at_must_be_to_come_within_a_year_and_iso_with_a_zone(creator, db_tasks):
    conversation = ConversationFactory(fan=FanFactory(creator=creator))
    for send_at, error in [
        (timezone.now() - timedelta(minutes=1), "past"),
        (timezone.now() + timedelta(days=366), "year"),
    ]:
        with pytest.raises(InvalidInput, match=error):
            campaigns.scheduled_message_create(conversation=conversation, text="x", send_at=send_at)
    for value in ["2030-01-01T10:00:00", "tomorrow", "01/02/2030 10:00", 1767225600]:
        with pytest.raises(InvalidInput, match="ISO 8601"):
            campaigns.parse_send_at_iso(value)
    assert campaigns.parse_send_at_iso("2030-01-01T10:00:00+01:00").utcoffset() == timedelta(hours=1)
    assert ScheduledMessage.objects.count() == 0


@pytest.mark.django_db
def test_edit_and_cancel_until_sent_never_after(creator, db_tasks, django_capture_on_commit_callbacks):
    conversation = ConversationFactory(fan=FanFactory(creator=creator))
    scheduled = campaigns.scheduled_message_create(
        conversation=conversation, text="Draft", send_at=timezone.now() + timedelta(hours=1)
    )
    later = timezone.now() + timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        campaigns.scheduled_message_update(scheduled=scheduled, text="Better", send_at=later)
    scheduled.refresh_from_db()
    assert (scheduled.text, scheduled.send_at) == ("Better", later)
    assert list(DBTaskResult.objects.order_by("enqueued_at").values_list("run_after", flat=True))[-1] == later
    ScheduledMessage.objects.filter(pk=scheduled.pk).update(send_at=timezone.now())
    assert campaigns.scheduled_message_send(scheduled_id=scheduled.pk).message.text == "Better"
    with pytest.raises(InvalidInput, match="sent: it can no longer be changed"):
        campaigns.scheduled_message_update(scheduled=scheduled, text="Too late")
    with pytest.raises(InvalidInput, match="no longer"):
        campaigns.scheduled_message_cancel(scheduled=scheduled)
    other = campaigns.scheduled_message_create(conversation=conversation, text="x", send_at=later)
    campaigns.scheduled_message_cancel(scheduled=other)
    ScheduledMessage.objects.filter(pk=other.pk).update(send_at=timezone.now())
    assert campaigns.scheduled_message_send(scheduled_id=other.pk) is None
    assert Message.objects.count() == 1


@pytest.mark.django_db
def test_a_ppv_price_on_a_platform_without_ppv_is_refused(creator):
    conversation = ConversationFactory(creator=creator, fan=FanFactory(creator=creator, platform=Platform.TIKTOK))
    with pytest.raises(InvalidInput, match="TikTok has no pay-per-view"):
        services.message_add(conversation=conversation, direction=Direction.OUTGOING, text="x", price_cents=500, via="api")
    with pytest.raises(InvalidInput, match="pay-per-view"):
        campaigns.scheduled_message_create(
            conversation=conversation, text="x", price_cents=500, send_at=timezone.now() + timedelta(hours=1)
        )
    assert Message.objects.count() == ScheduledMessage.objects.count() == 0


# --- Segments -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_segment_filters(creator):
    vip, new = TagFactory(creator=creator, name="vip"), TagFactory(creator=creator, name="new")
    now = timezone.now()
    whale = FanFactory(creator=creator, name="Whale", last_seen_at=now - timedelta(days=10))
    whale.tags.add(vip)
    services.transaction_record(fan=whale, kind="tip", amount_cents=15000, occurred_at=now - timedelta(days=3))
    old_whale = FanFactory(creator=creator, name="Old whale", last_seen_at=now - timedelta(days=1))
    services.transaction_record(fan=old_whale, kind="tip", amount_cents=20000, occurred_at=now - timedelta(days=90))
    old_whale.tags.add(vip, new)
    quiet = FanFactory(creator=creator, name="Quiet", platform=Platform.INSTAGRAM)
    services.fan_do_not_contact(fan=quiet, do_not_contact=True, reason="asked")
    services.fan_consent_record(fan=old_whale, source=ConsentSource.MANUAL, text="yes")
    ConversationFactory(creator=creator, fan=whale)

    def names(**filters):
        segment = campaigns.segment_save(creator=creator, name=str(sorted(filters.items())), filters=filters)
        fans = campaigns.segment_fans(segment=segment)
        assert campaigns.segment_count(segment=segment) == fans.count()
        return sorted(fan.name for fan in fans)

    assert names(spend_min=10000) == ["Old whale", "Whale"]
    assert names(spend_max=100) == ["Quiet"]
    assert names(spent_recent_min=10000, spent_days=30) == ["Whale"]
    assert names(spent_recent_min=10000, spent_days=100) == ["Old whale", "Whale"]
    assert names(inactive_days=7) == ["Quiet", "Whale"]
    assert names(last_active_after=(now - timedelta(days=2)).isoformat()) == ["Old whale"]
    assert names(tags_all="vip,new") == ["Old whale"]
    assert names(tags_any="vip, new") == ["Old whale", "Whale"]
    assert names(tags_none="vip") == ["Quiet"]
    # Tags are the creator's own: another creator's "whale" tag on nobody here matches nobody.
    TagFactory(name="whale").fans.add(FanFactory())
    assert names(tags_all="vip,whale") == []
    assert names(tags_any="whale") == []
    assert names(tags_none="whale") == ["Old whale", "Quiet", "Whale"]
    assert names(platform="instagram") == ["Quiet"]
    assert names(has_open_conversation="true") == ["Whale"]
    assert names(consent="true") == ["Old whale"]
    assert names(do_not_contact="false") == ["Old whale", "Whale"]


@pytest.mark.django_db
def test_segment_bad_filters_are_refused_and_search_is_never_saved(creator):
    for filters, error in [
        ({"q": "someone@example.com"}, "Unknown filter: q"),
        ({"spend_min": "lots"}, "Invalid spend_min"),
        ({"platform": "myspace"}, "Invalid platform"),
        ({}, "at least one filter"),
    ]:
        with pytest.raises(InvalidInput, match=error):
            campaigns.segment_save(creator=creator, name="x", filters=filters)
    campaigns.segment_save(creator=creator, name="VIP", filters={"tags_any": "vip"})
    with pytest.raises(InvalidInput, match="exists"):
        campaigns.segment_save(creator=creator, name="VIP", filters={"tags_any": "vip"})


# --- Mass messages ------------------------------------------------------------------------


def audience(creator):
    """Two reachable Instagram fans, and one fan skipped for each reason."""
    reachable = [ig_fan(creator, n, name=f"Reach {n}") for n in range(2)]
    skipped = {
        SkipReason.DO_NOT_CONTACT: ig_fan(creator, 10, do_not_contact=True),
        SkipReason.OUTSIDE_WINDOW: ig_fan(creator, 11, last_seen_at=timezone.now() - timedelta(days=2)),
        SkipReason.NO_CHANNEL: FanFactory(creator=creator, platform=Platform.ONLYFANS, consent_source="manual"),
        SkipReason.NO_CONSENT: FanFactory(creator=creator, platform=Platform.INSTAGRAM, last_seen_at=None),
    }
    return reachable, skipped


@pytest.mark.django_db(transaction=True)
def test_a_mass_message_messages_each_reachable_fan_once_and_counts_the_skipped(creator, account, db_tasks, fake_graph):
    reachable, skipped = audience(creator)
    fan_ids = [f.pk for f in reachable] + [f.pk for f in skipped.values()]
    estimate = campaigns.audience_estimate(creator=creator, fans=creator.fans.filter(pk__in=fan_ids))
    assert estimate["reachable"] == 2 and all(estimate[reason] == 1 for reason in skipped)
    mass = campaigns.mass_message_create(creator=creator, text="Hi {{ fan.name }}!", fan_ids=fan_ids, price_cents=999)
    work()
    mass.refresh_from_db()
    assert mass.status == MassMessageStatus.DONE
    counts = campaigns.mass_message_counts(mass=mass)
    assert (counts["recipients"], counts["messaged"], counts["skipped"], counts["sent"]) == (6, 2, 4, 2)
    assert all(counts[f"skipped_{reason}"] == 1 for reason in skipped)
    texts = sorted(m.text for m in Message.objects.filter(direction=Direction.OUTGOING))
    assert texts == ["Hi Reach 0!", "Hi Reach 1!"]
    assert set(Message.objects.values_list("price_cents", flat=True)) == {999}
    assert len(fake_graph.requests) == 2


@pytest.mark.django_db
def test_a_fan_with_a_live_chat_is_reached_in_it_whatever_the_platform_delivers(creator, settings):
    """The visitor chat is a channel of its own: the message lands in the chat the visitor reads
    (crm.chat.chat_messages); a blocked visitor, and a direct fan without a chat, are not reached."""
    from crm import chat

    settings.MASS_MESSAGE_BATCH = 10
    visitor = ChatVisitorFactory(creator=creator, name="Visitor")
    blocked = ChatVisitorFactory(creator=creator, name="Blocked")
    ChatBlockFactory(visitor=blocked)
    direct = FanFactory(creator=creator, platform=Platform.DIRECT, consent_source=ConsentSource.MANUAL)
    ConversationFactory(creator=creator, fan=direct)
    fans = creator.fans.filter(pk__in=[visitor.fan_id, blocked.fan_id, direct.pk])
    estimate = campaigns.audience_estimate(creator=creator, fans=fans)
    assert (estimate["reachable"], estimate[SkipReason.NO_CHANNEL]) == (1, 2)
    mass = campaigns.mass_message_create(creator=creator, text="Hi {{ fan.name }}", fan_ids=[f.pk for f in fans])
    while campaigns.mass_message_step(mass_id=mass.pk) is not None:
        pass
    recipient = mass.recipients.get(fan_id=visitor.fan_id)
    assert (recipient.status, recipient.message.conversation_id) == (RecipientStatus.MESSAGED, visitor.conversation_id)
    assert [m.text for m in chat.chat_messages(visitor=visitor)][-1] == "Hi Visitor"
    assert set(mass.recipients.exclude(pk=recipient.pk).values_list("skip_reason", flat=True)) == {SkipReason.NO_CHANNEL}
    assert not direct.conversations.get().messages.exists()


@pytest.mark.django_db
def test_an_attachment_goes_to_live_chats_as_each_recipients_own_copy(creator, account, settings):
    from django.core.files.storage import default_storage

    from core.uploads import ATTACHMENT_KINDS, check_upload
    from crm import chat
    from tests.pages.test_inbox import png_upload

    settings.MASS_MESSAGE_BATCH = 10
    visitors = [ChatVisitorFactory(creator=creator, name=f"Visitor {i}") for i in range(2)]
    instagram = ig_fan(creator, 1, consent_source=ConsentSource.MANUAL)
    fan_ids = [v.fan_id for v in visitors] + [instagram.pk]
    estimate = campaigns.audience_estimate(creator=creator, fans=creator.fans.filter(pk__in=fan_ids), has_attachment=True)
    assert (estimate["reachable"], estimate[SkipReason.NO_FILES]) == (2, 1)
    upload = check_upload(png_upload("teaser.png"), kinds=ATTACHMENT_KINDS)
    mass = campaigns.mass_message_create(creator=creator, text="Hi {{ fan.name }}", fan_ids=fan_ids, attachment=upload, price_cents=500)
    assert (mass.attachment_name, default_storage.exists(mass.attachment.name)) == ("teaser.png", True)
    while campaigns.mass_message_step(mass_id=mass.pk) is not None:
        pass
    assert mass.recipients.get(fan_id=instagram.pk).skip_reason == SkipReason.NO_FILES
    copies = [chat.chat_messages(visitor=v)[-1] for v in visitors]
    assert [(m.attachment_name, m.price_cents) for m in copies] == [("teaser.png", 500)] * 2
    assert len({m.attachment.name for m in copies} | {mass.attachment.name}) == 3  # three stored objects
    # Erasing one visitor's fan removes their copy only.
    with django.test.TestCase.captureOnCommitCallbacks(execute=True):
        services.fan_delete(fan=visitors[0].fan)
    assert not default_storage.exists(copies[0].attachment.name)
    assert default_storage.exists(copies[1].attachment.name) and default_storage.exists(mass.attachment.name)
    assert chat.chat_file(visitor=visitors[1], message_id=copies[1].pk).attachment.read() == png_upload().read()


@pytest.mark.django_db
def test_a_mass_file_is_read_only_for_a_batch_that_delivers_it_and_never_left_behind(creator, account, settings, monkeypatch):
    from django.core.files.storage import default_storage

    from core.uploads import ATTACHMENT_KINDS, check_upload
    from tests.pages.test_inbox import png_upload

    settings.MASS_MESSAGE_BATCH = 10
    fans = [ig_fan(creator, n, consent_source=ConsentSource.MANUAL) for n in range(2)]
    upload = check_upload(png_upload("teaser.png"), kinds=ATTACHMENT_KINDS)
    mass = campaigns.mass_message_create(creator=creator, text="Hi", fan_ids=[f.pk for f in fans], attachment=upload)
    # Instagram fans only: the batch skips them without reading the file (gone here, so a read would fail).
    default_storage.delete(mass.attachment.name)
    assert campaigns.mass_message_step(mass_id=mass.pk) is None
    assert set(mass.recipients.values_list("skip_reason", flat=True)) == {SkipReason.NO_FILES}

    # A failed insert after the file was stored takes the stored object with it.
    def refuse(*args, **kwargs):
        raise RuntimeError("database gone")

    stored_files = lambda: sorted(p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())  # noqa: E731
    assert stored_files() == []
    monkeypatch.setattr(MassMessageRecipient.objects, "bulk_create", refuse)
    with pytest.raises(RuntimeError):
        campaigns.mass_message_create(
            creator=creator, text="Hi", fan_ids=[fans[0].pk], attachment=check_upload(png_upload("again.png"), kinds=ATTACHMENT_KINDS)
        )
    assert stored_files() == [] and MassMessage.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_killed_run_resumes_without_messaging_anyone_twice(creator, account, db_tasks, fake_graph, settings):
    settings.MASS_MESSAGE_BATCH = 2
    fans = [ig_fan(creator, n) for n in range(5)]
    mass = campaigns.mass_message_create(creator=creator, text="Hello", fan_ids=[f.pk for f in fans])
    campaigns.mass_message_step(mass_id=mass.pk)  # one batch, then the worker dies: its task is lost
    DBTaskResult.objects.all().delete()
    assert MassMessageRecipient.objects.filter(status=RecipientStatus.MESSAGED).count() == 2
    # The sweeper sees no progress for the grace and enqueues it again; twice, even.
    later = timezone.now() + timedelta(seconds=settings.CAMPAIGN_SWEEP_GRACE_SECONDS + 1)
    assert campaigns.campaigns_sweep(now=later)["mass_messages_enqueued"] == 1
    campaigns.enqueue_run(mass.pk)
    for _ in range(5):
        DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
        work()
    assert Message.objects.filter(direction=Direction.OUTGOING).count() == 5
    assert sorted(Message.objects.values_list("fan_id", flat=True)) == sorted(f.pk for f in fans)
    mass.refresh_from_db()
    assert mass.status == MassMessageStatus.DONE


@pytest.mark.django_db
def test_pause_resume_stop(creator, account, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.MASS_MESSAGE_BATCH = 1
    fans = [ig_fan(creator, n) for n in range(3)]
    mass = campaigns.mass_message_create(creator=creator, text="Hello", fan_ids=[f.pk for f in fans])
    campaigns.mass_message_step(mass_id=mass.pk)
    campaigns.mass_message_pause(mass=mass)
    assert campaigns.mass_message_step(mass_id=mass.pk) is None  # paused: nothing
    assert Message.objects.count() == 1
    campaigns.mass_message_resume(mass=mass)
    campaigns.mass_message_step(mass_id=mass.pk)
    assert Message.objects.count() == 2
    campaigns.mass_message_stop(mass=mass)
    assert campaigns.mass_message_step(mass_id=mass.pk) is None
    counts = campaigns.mass_message_counts(mass=mass)
    assert (counts["messaged"], counts["skipped_stopped"], counts["pending"]) == (2, 1, 0)
    with pytest.raises(InvalidInput, match="already finished"):
        campaigns.mass_message_stop(mass=mass)
    with pytest.raises(InvalidInput, match="paused"):
        campaigns.mass_message_resume(mass=mass)


@pytest.mark.django_db
def test_mass_message_bad_input(creator, settings):
    fans = [FanFactory(creator=creator) for _ in range(3)]
    ids = [f.pk for f in fans]
    empty = campaigns.segment_save(creator=creator, name="Nobody", filters={"tags_any": "none-such"})
    for kwargs, error in [
        ({"text": "Hi {{ fan.email }}", "fan_ids": ids}, "Unknown variable"),
        ({"text": "", "fan_ids": ids}, "Write the message"),
        ({"text": "Hi", "segment": empty}, "no fans"),
        ({"text": "Hi", "fan_ids": []}, "no fans"),
        ({"text": "Hi", "fan_ids": ["x"]}, "Invalid fan_ids"),
        ({"text": "Hi", "fan_ids": ids, "send_at": timezone.now() - timedelta(hours=1)}, "past"),
    ]:
        with pytest.raises(InvalidInput, match=error):
            campaigns.mass_message_create(creator=creator, **kwargs)
    settings.MASS_MESSAGE_MAX_RECIPIENTS = 2
    with pytest.raises(InvalidInput, match="at most 2 fans"):
        campaigns.mass_message_create(creator=creator, text="Hi", fan_ids=ids)
    assert not MassMessageRecipient.objects.exists()


@pytest.mark.django_db
def test_queries_per_recipient_are_constant(creator, account, settings, django_capture_on_commit_callbacks):
    settings.MASS_MESSAGE_BATCH = 100

    def queries_for(n: int, offset: int) -> int:
        fans = [ig_fan(creator, offset + i) for i in range(n)]
        mass = campaigns.mass_message_create(creator=creator, text="Hi", fan_ids=[f.pk for f in fans])
        with CaptureQueriesContext(connection) as ctx:
            campaigns.mass_message_step(mass_id=mass.pk)
        return len(ctx)

    small, big = queries_for(4, 0), queries_for(8, 100)
    per_recipient = (big - small) / 4
    assert queries_for(12, 200) - big == 4 * per_recipient
    # Savepoints, the locks and counters of message_add, the claim; on PostgreSQL the live feed's
    # publish adds its stream's advisory lock and its NOTIFY (core.live.feed, core.live.wakeup).
    assert per_recipient <= 20 + (2 if connection.vendor == "postgresql" else 0)


@pytest.mark.django_db
def test_the_throttle_counts_the_creators_messages_of_the_last_minute(creator, account, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.MASS_MESSAGE_RATE_PER_MINUTE, settings.MASS_MESSAGE_BATCH = 2, 10
    fans = [ig_fan(creator, n) for n in range(4)]
    first = campaigns.mass_message_create(creator=creator, text="One", fan_ids=[f.pk for f in fans[:2]])
    second = campaigns.mass_message_create(creator=creator, text="Two", fan_ids=[f.pk for f in fans[2:]])
    assert campaigns.mass_message_step(mass_id=first.pk) is None  # both sent: done
    next_at = campaigns.mass_message_step(mass_id=second.pk)  # the minute's budget is spent
    assert next_at is not None and Message.objects.count() == 2
    later = timezone.now() + timedelta(minutes=1, seconds=1)
    assert campaigns.mass_message_step(mass_id=second.pk, now=later) is None
    assert Message.objects.count() == 4


@pytest.mark.django_db
def test_recent_spend_is_net_of_refunds(creator):
    fan = FanFactory(creator=creator, name="Refunded")
    services.transaction_record(fan=fan, kind="ppv", amount_cents=12000)
    segment = campaigns.segment_save(creator=creator, name="Spent", filters={"spent_recent_min": "10000"})
    assert campaigns.segment_count(segment=segment) == 1
    services.transaction_record(fan=fan, kind="refund", amount_cents=5000)
    assert campaigns.segment_count(segment=segment) == 0
    other = FanFactory(creator=CreatorFactory())
    services.transaction_record(fan=other, kind="tip", amount_cents=50000)
    assert list(campaigns.segment_fans(segment=segment)) == []  # another creator's fan never
