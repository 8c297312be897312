"""The campaign extensions of both REST surfaces (docs/campaigns.md): scheduled messages listed,
edited and cancelled until sent; PPV unlocks recorded through /api/v1/transactions."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm import campaigns, services
from crm.choices import Direction, ScheduledStatus
from crm.models import ScheduledMessage, Transaction
from tests.factories import ConversationFactory, FanFactory, ScheduledMessageFactory
from tests.helpers import assert_crm_error, assert_status, assert_v1_error, send_json

pytestmark = pytest.mark.django_db

SURFACES = {
    # surface: (client fixture, path, error assertion)
    "crm": ("crm_client", "/api/crm/scheduled-messages", assert_crm_error),
    "v1": ("v1_client", "/api/v1/scheduled-messages", assert_v1_error),
}


def rows_of(surface, body):
    return body["data"] if surface == "v1" else body["scheduled_messages"]


def item_of(surface, body):
    return body["data"] if surface == "v1" else body["scheduled_message"]


@pytest.fixture(params=SURFACES)
def surface(request):
    client_name, path, error = SURFACES[request.param]
    return request.param, request.getfixturevalue(client_name), path, error


def scheduled_for(creator, hours=1, **kwargs):
    conversation = ConversationFactory(creator=creator, fan=FanFactory(creator=creator, platform="onlyfans"))
    return ScheduledMessageFactory(conversation=conversation, send_at=timezone.now() + timedelta(hours=hours), **kwargs)


def test_lists_the_creators_scheduled_messages_soonest_first_in_constant_queries(surface, creator, other_creator):
    name, client, path, _error = surface
    later, sooner = scheduled_for(creator, hours=5), scheduled_for(creator, hours=2)
    sent = scheduled_for(creator, hours=3, status=ScheduledStatus.SENT)
    scheduled_for(other_creator)
    body = assert_status(client.get(path), 200)
    assert [row["id"] for row in rows_of(name, body)] == [sooner.pk, sent.pk, later.pk]
    row = rows_of(name, body)[0]
    assert set(row) == {"id", "conversation_id", "fan_id", "text", "price_cents", "send_at", "status", "message_id", "error"}
    assert (row["conversation_id"], row["status"], row["error"]) == (sooner.conversation_id, "scheduled", None)
    waiting = assert_status(client.get(path, {"status": "scheduled"}), 200)
    assert [row["id"] for row in rows_of(name, waiting)] == [sooner.pk, later.pk]
    fan_filter = {"fan": sent.fan_id} if name == "crm" else {"interaction_id": sent.fan_id}
    assert [row["id"] for row in rows_of(name, assert_status(client.get(path, fan_filter), 200))] == [sent.pk]

    with CaptureQueriesContext(connection) as few:
        client.get(path)
    for _ in range(5):
        scheduled_for(creator)
    with CaptureQueriesContext(connection) as many:
        assert len(rows_of(name, assert_status(client.get(path), 200))) == 8
    assert len(many) == len(few)


def test_bad_list_parameters_are_a_400(surface):
    name, client, path, error = surface
    error(client.get(path, {"status": "pending"}), 400, "Invalid status")
    bad_id = {"conversation": "x"} if name == "crm" else {"conversation_id": "x"}
    error(client.get(path, bad_id), 400, f"Invalid {next(iter(bad_id))}")


def test_edit_then_cancel_a_waiting_message(surface, creator):
    name, client, path, error = surface
    scheduled = scheduled_for(creator)
    later = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    body = assert_status(
        send_json(client, "PATCH", f"{path}/{scheduled.pk}", {"text": "Tonight, then", "send_at": later.isoformat(), "price_cents": 1500}),
        200,
    )
    assert (item_of(name, body)["text"], item_of(name, body)["price_cents"]) == ("Tonight, then", 1500)
    scheduled.refresh_from_db()
    assert (scheduled.text, scheduled.send_at, scheduled.price_cents) == ("Tonight, then", later, 1500)
    assert item_of(name, assert_status(client.get(f"{path}/{scheduled.pk}"), 200))["send_at"] == scheduled.send_at.astimezone(
        timezone.UTC
    ).isoformat().replace("+00:00", "Z")

    body = assert_status(client.delete(f"{path}/{scheduled.pk}"), 200)
    assert item_of(name, body)["status"] == "cancelled"
    ScheduledMessage.objects.filter(pk=scheduled.pk).update(send_at=timezone.now() - timedelta(minutes=1))
    assert campaigns.scheduled_message_send(scheduled_id=scheduled.pk) is None  # never sent
    assert not scheduled.conversation.messages.exists()
    error(send_json(client, "PATCH", f"{path}/{scheduled.pk}", {"text": "again"}), 400, "This message is cancelled: it can no longer be changed")
    error(client.delete(f"{path}/{scheduled.pk}"), 400, "This message is cancelled: it can no longer be changed")


def test_a_sent_message_is_not_edited_and_bad_edits_change_nothing(surface, creator, other_creator):
    name, client, path, error = surface
    scheduled = scheduled_for(creator)
    ScheduledMessage.objects.filter(pk=scheduled.pk).update(send_at=timezone.now() - timedelta(seconds=1))
    assert campaigns.scheduled_message_send(scheduled_id=scheduled.pk) is not None
    error(send_json(client, "PATCH", f"{path}/{scheduled.pk}", {"text": "edited"}), 400, "This message is sent: it can no longer be changed")
    assert scheduled.conversation.messages.get().text == scheduled.text

    waiting = scheduled_for(creator)
    for body, message in [
        ({"send_at": "tomorrow at 7"}, "Invalid send_at: use ISO 8601 with a time zone, e.g. 2026-12-24T19:00:00+01:00"),
        ({"send_at": "2030-01-01T19:00:00"}, "Invalid send_at: use ISO 8601 with a time zone, e.g. 2026-12-24T19:00:00+01:00"),
        ({"send_at": (timezone.now() - timedelta(hours=1)).isoformat()}, "send_at is in the past: choose a time to come"),
        ({"send_at": 1767225600}, "Invalid send_at"),
        ({"text": 5}, "Invalid text"),
        ({"text": "   "}, "text is required"),
        ({"price_cents": -1}, "Invalid price_cents"),
        ({"price_cents": "9.99"}, "Invalid price_cents"),
    ]:
        error(send_json(client, "PATCH", f"{path}/{waiting.pk}", body), 400, message)
    error(send_json(client, "PATCH", f"{path}/{waiting.pk}", ["text"]), 400, "Invalid JSON" if name == "crm" else None)
    before = ScheduledMessage.objects.values_list("text", "send_at", "price_cents").get(pk=waiting.pk)
    assert (waiting.text, waiting.send_at, waiting.price_cents) == before

    theirs = scheduled_for(other_creator)
    for request in (client.get, client.delete):
        error(request(f"{path}/{theirs.pk}"), 404, "Scheduled message not found")
    error(client.get(f"{path}/not-an-id"), 404, "Scheduled message not found")
    assert ScheduledMessage.objects.get(pk=theirs.pk).status == ScheduledStatus.SCHEDULED


# --- /api/v1/transactions -----------------------------------------------------------------


def ppv_message(creator):
    conversation = ConversationFactory(creator=creator, fan=FanFactory(creator=creator, platform="onlyfans"))
    return services.message_add(conversation=conversation, direction=Direction.OUTGOING, text="New set", price_cents=1500)


def test_v1_records_a_ppv_unlock_against_its_message_once(v1_client, creator):
    message = ppv_message(creator)
    body = {"interaction_id": message.fan_id, "kind": "ppv", "amount_cents": 1500, "message_id": message.pk, "external_id": "of-77"}
    created = assert_status(send_json(v1_client, "POST", "/api/v1/transactions", body), 201)
    assert created["success"] is True
    data = created["data"]
    assert set(data) == {"id", "interaction_id", "kind", "amount_cents", "platform", "external_id", "message_id", "occurred_at", "created_at"}
    assert (data["interaction_id"], data["message_id"], data["platform"]) == (message.fan_id, message.pk, "onlyfans")
    again = assert_status(send_json(v1_client, "POST", "/api/v1/transactions", body), 200)
    assert again["data"]["id"] == data["id"]
    assert Transaction.objects.filter(message=message).count() == 1
    message.fan.refresh_from_db()
    assert message.fan.value_cents == 1500
    assert campaigns.ppv_report(messages=message.conversation.messages.all())["unlocked"] == 1

    listed = assert_status(v1_client.get("/api/v1/transactions", {"interaction_id": message.fan_id}), 200)
    assert [row["id"] for row in listed["data"]] == [data["id"]] and listed["pagination"]["total"] == 1


def test_v1_transaction_bad_input_is_a_400_and_records_nothing(v1_client, creator, other_creator):
    message = ppv_message(creator)
    other_fan_message = ppv_message(creator)
    theirs = ppv_message(other_creator)
    base = {"interaction_id": message.fan_id, "kind": "ppv", "amount_cents": 1500}
    for changes, status, error in [
        ({"message_id": other_fan_message.pk}, 400, "Invalid message_id: not a message sent to this fan"),
        ({"message_id": theirs.pk}, 400, "Invalid message_id: not a message sent to this fan"),
        ({"message_id": "x"}, 400, "Invalid message_id"),
        ({"interaction_id": theirs.fan_id}, 404, "Client not found"),
        ({"kind": "opening_balance"}, 400, "Invalid kind"),
        ({"kind": "bribe"}, 400, "Invalid kind"),
        ({"amount_cents": "15"}, 400, "Invalid amount_cents"),
        ({"amount_cents": 0}, 400, "Invalid amount_cents"),
        ({"platform": "myspace"}, 400, "Invalid platform"),
        ({"occurred_at": "yesterday"}, 400, "Invalid occurred_at"),
    ]:
        assert_v1_error(send_json(v1_client, "POST", "/api/v1/transactions", {**base, **changes}), status, error)
    assert_v1_error(send_json(v1_client, "POST", "/api/v1/transactions", {"kind": "tip"}), 400, "interaction_id is required")
    assert_v1_error(v1_client.get("/api/v1/transactions", {"kind": "bribe"}), 400, "Invalid kind")
    assert not Transaction.objects.exists()


def test_v1_messages_take_a_ppv_price(v1_client, creator):
    conversation = ConversationFactory(creator=creator, fan=FanFactory(creator=creator, platform="onlyfans"))
    body = assert_status(
        send_json(v1_client, "POST", "/api/v1/messages", {"conversation_id": conversation.pk, "message": "New set", "price_cents": 1500}),
        201,
    )
    assert body["data"]["price_cents"] == 1500
    assert conversation.messages.get().price_cents == 1500
    # The multipart form sends numbers as strings.
    form = v1_client.post("/api/v1/messages", {"conversation_id": conversation.pk, "message": "Another", "price_cents": "900"})
    assert assert_status(form, 201)["data"]["price_cents"] == 900
    later = (timezone.now() + timedelta(hours=2)).isoformat()
    scheduled = assert_status(
        send_json(v1_client, "POST", "/api/v1/messages", {"conversation_id": conversation.pk, "message": "Later", "price_cents": 700, "send_at": later}),
        202,
    )
    assert scheduled["data"]["price_cents"] == 700

    tiktok = ConversationFactory(creator=creator, fan=FanFactory(creator=creator, platform="tiktok"), platform="tiktok")
    for conversation_id, changes, error in [
        (tiktok.pk, {}, "TikTok has no pay-per-view: send the message without a price"),
        (conversation.pk, {"price_cents": "9.99"}, "Invalid price_cents"),
        (conversation.pk, {"price_cents": -5}, "Invalid price_cents"),
        (conversation.pk, {"message_type": "system"}, "A PPV price is for a message to the client, not a system message"),
    ]:
        body = {"conversation_id": conversation_id, "message": "x", "price_cents": 1500, **changes}
        assert_v1_error(send_json(v1_client, "POST", "/api/v1/messages", body), 400, error)
    assert conversation.messages.count() == 2 and not tiktok.messages.exists()


@pytest.mark.parametrize("surface", ["crm", "v1"])
def test_both_fan_lists_take_the_segment_filters(request, surface, creator):
    from tests.factories import TagFactory

    client = request.getfixturevalue("crm_client" if surface == "crm" else "v1_client")
    path, error = ("/api/crm/fans", assert_crm_error) if surface == "crm" else ("/api/v1/clients", assert_v1_error)
    vip = TagFactory(creator=creator, name="vip")
    whale = FanFactory(creator=creator, name="Whale", value_cents=50_000)
    whale.tags.add(vip)
    FanFactory(creator=creator, name="Minnow", value_cents=100)

    def names(**params):
        body = assert_status(client.get(path, params), 200)
        rows = body["data"] if surface == "v1" else body["fans"]
        return sorted(row["name"] for row in rows)

    assert names() == ["Minnow", "Whale"]
    assert names(spend_min=10000) == ["Whale"]
    assert names(tags_none="vip") == ["Minnow"]
    assert names(do_not_contact="false", spend_max=500) == ["Minnow"]
    for params, message in [({"spend_min": "lots"}, "Invalid spend_min"), ({"consent": "maybe"}, "Invalid consent")]:
        error(client.get(path, params), 400, message)
