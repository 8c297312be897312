"""The event store's part of a fan's erasure: links recorded at processing time, party ids at
intake, tombstones that nothing processes again (tests/security/test_erasure.py scans it all)."""

import json

import pytest
from django_tasks_db.models import DBTaskResult

from crm import services as crm_services
from crm.choices import Platform
from crm.models import Fan
from tests.factories import CreatorFactory, FanFactory, PlatformAccountFactory
from tests.helpers import assert_status
from tests.webhooks.conftest import ACCOUNT_ID, deliver, load, process, store
from webhooks.choices import EventStatus
from webhooks.intake import parse_delivery
from webhooks.models import WebhookEvent, WebhookEventFan
from webhooks.processing import event_claim
from webhooks.services import events_ignore, events_replay, events_sweep

pytestmark = pytest.mark.django_db

FAN_ID = "17841405822304914"  # the fixtures' Instagram user


def test_intake_reads_the_party_of_each_change():
    def party(name):
        return [d.party_id for d in parse_delivery(json.dumps(load(name)).encode())]

    assert party("comments") == [FAN_ID]
    assert party("messaging") == [FAN_ID]
    assert party("messaging_echo") == [FAN_ID]  # the recipient of the account's own message
    assert set(party("mentions")) == {""}


def test_processing_links_the_event_to_its_fan(account):
    comment, dm = store("comments")[0], store("messaging")[0]
    for event in (comment, dm):
        process(event)
    fan = Fan.objects.get(creator=account.creator)
    assert set(WebhookEventFan.objects.values_list("event_id", "fan_id")) == {(comment.pk, fan.pk), (dm.pk, fan.pk)}
    process(comment)  # a second run of a finished event links nothing twice
    assert WebhookEventFan.objects.count() == 2


def test_activity_events_link_no_fan(account):
    process(store("mentions")[0])
    assert not WebhookEventFan.objects.exists()


def test_deleting_a_fan_tombstones_their_events_and_nothing_else(account, django_capture_on_commit_callbacks):
    for name in ("comments", "messaging"):
        process(store(name)[0])
    pending = store("messaging_echo")[0]  # not processed yet: found by its party id
    activity = process(store("mentions")[0])
    fan = Fan.objects.get(creator=account.creator)
    # The same Instagram user, fan of another creator through another account: untouched.
    other_account = PlatformAccountFactory(creator=CreatorFactory(), external_account_id="17841400000000999")
    other_fan = FanFactory(creator=other_account.creator, platform=Platform.INSTAGRAM, platform_id=FAN_ID)
    delivery = load("comments")
    delivery["entry"][0]["id"] = other_account.external_account_id
    theirs = process(store(delivery)[0])
    assert theirs.status == EventStatus.PROCESSED

    with django_capture_on_commit_callbacks(execute=True):
        crm_services.fan_delete(fan=fan)

    erased = WebhookEvent.objects.filter(status=EventStatus.ERASED)
    assert erased.count() == 3
    for event in erased:
        assert (event.payload, event.party_id, event.last_error, event.task_result_id) == ({}, "", "", "")
        assert event.external_id.startswith(f"instagram:{ACCOUNT_ID}:")
    assert pending.pk in set(erased.values_list("pk", flat=True))
    activity.refresh_from_db()
    theirs.refresh_from_db()
    assert activity.status == theirs.status == EventStatus.PROCESSED
    assert theirs.payload["value"]["from"]["id"] == FAN_ID
    assert Fan.objects.filter(pk=other_fan.pk).exists()


def test_a_tombstone_is_never_processed_again(account, meta, django_capture_on_commit_callbacks):
    event = process(store("comments")[0])
    crm_services.fan_delete(fan=Fan.objects.get())
    assert event_claim(event_id=event.pk) is None
    assert events_replay(event_ids=[event.pk]) == 0
    assert events_ignore(event_ids=[event.pk]) == 0
    assert sum(events_sweep().values()) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert_status(deliver(meta, load("comments")), 200)  # Meta redelivers it
    assert WebhookEvent.objects.count() == 1
    event.refresh_from_db()
    assert event.status == EventStatus.ERASED
    assert not Fan.objects.exists()


def test_erasure_deletes_the_task_results_of_the_events(account, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    mine, theirs = store("comments")[0], store("mentions")[0]
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    process(mine)
    running = DBTaskResult.objects.create(
        status="RUNNING", args_kwargs={"args": [mine.pk], "kwargs": {}}, task_path="webhooks.tasks.process_event",
        backend_name="default", run_after=mine.received_at,
    )
    crm_services.fan_delete(fan=Fan.objects.get())
    left = DBTaskResult.objects.values_list("args_kwargs", flat=True).order_by()
    # The event's queued result is gone; a running one is its worker's to finish; others stay.
    assert sorted(a["args"] for a in left) == sorted([[mine.pk], [theirs.pk]])
    assert DBTaskResult.objects.get(args_kwargs__args__0=mine.pk).pk == running.pk
