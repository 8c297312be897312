"""GET/POST /api/crm/conversations and GET/PATCH /api/crm/conversations/{id}."""

import pytest

from crm import services
from crm.models import Conversation
from tests.crm.api.cases import ABSENT, ObjectCases, ReadCases, WriteCases
from tests.factories import ConversationFactory, FanFactory, MessageFactory
from tests.helpers import assert_crm_error, assert_status

pytestmark = pytest.mark.django_db

CONVERSATION_KEYS = {
    "id", "user_id", "fan_id", "platform", "platform_conversation_id", "last_message_at",
    "unread_count", "created_at",
}


class TestConversationList(ReadCases):
    path = "/api/crm/conversations"


class TestConversationCreate(WriteCases):
    path = "/api/crm/conversations"
    ok_status = 200  # the fixture's fan already has an open conversation on its platform
    invalid = [
        ({"fanId": ABSENT}, "fanId is required"),
        ({"fanId": None}, "fanId is required"),
        ({"fanId": "1"}, "Invalid fanId"),
        ({"fanId": 1.0}, "Invalid fanId"),
        ({"fanId": True}, "Invalid fanId"),
        ({"fanId": 0}, "Invalid fanId"),
        ({"fanId": 2**64}, "Invalid fanId"),
        ({"platform": "myspace"}, "Invalid platform"),
        ({"platform": 3}, "Invalid platform"),
    ]

    def body(self, objs):
        return {"fanId": objs["fan"], "platform": "onlyfans"}

    def test_other_creators_fan_is_not_found(self, other_crm_client, objs):
        response = other_crm_client.post(self.path, self.body(objs), format="json")
        assert_crm_error(response, 404, "Fan not found")


class TestConversationDetail(ObjectCases, ReadCases):
    path = "/api/crm/conversations/{conversation}"
    not_found_message = "Conversation not found"


class TestConversationUpdate(ObjectCases, WriteCases):
    method = "patch"
    path = "/api/crm/conversations/{conversation}"
    ok_status = 200
    not_found_message = "Conversation not found"
    invalid = [
        ({"is_archived": "true"}, "Invalid is_archived"),
        ({"is_archived": 1}, "Invalid is_archived"),
        ({"read": "yes"}, "Invalid read"),
        ({"tags": "vip"}, "Invalid tags"),
        ({"tags": [None]}, "Invalid tags"),
    ]

    def body(self, objs):
        return {"is_archived": True}


def test_create_new_then_reuse(crm_client, creator):
    fan = FanFactory(creator=creator, platform="onlyfans")
    first = crm_client.post("/api/crm/conversations", {"fanId": fan.pk, "platform": "onlyfans"}, format="json")
    assert_status(first, 201)
    conversation = first.json()["conversation"]
    assert set(conversation) >= CONVERSATION_KEYS
    assert conversation["fan_id"] == fan.pk and conversation["user_id"] == creator.user_id
    assert conversation["platform_conversation_id"] is None and conversation["last_message_at"] is None
    assert conversation["unread_count"] == 0
    again = crm_client.post("/api/crm/conversations", {"fanId": fan.pk, "platform": "onlyfans"}, format="json")
    assert_status(again, 200)
    assert again.json()["conversation"]["id"] == conversation["id"]
    other_platform = crm_client.post("/api/crm/conversations", {"fanId": fan.pk, "platform": "fansly"}, format="json")
    assert_status(other_platform, 201)
    assert Conversation.objects.filter(fan=fan).count() == 2


def test_archived_conversation_is_not_reused(crm_client, creator):
    conversation = ConversationFactory(fan=FanFactory(creator=creator), is_archived=True)
    body = {"fanId": conversation.fan_id, "platform": conversation.platform}
    response = crm_client.post("/api/crm/conversations", body, format="json")
    assert_status(response, 201)
    assert response.json()["conversation"]["id"] != conversation.pk


def test_platform_defaults_to_the_fans(crm_client, creator):
    fan = FanFactory(creator=creator, platform="patreon")
    response = crm_client.post("/api/crm/conversations", {"fanId": fan.pk}, format="json")
    assert_status(response, 201)
    assert response.json()["conversation"]["platform"] == "patreon"


def test_unknown_fan_is_not_found(crm_client):
    assert_crm_error(crm_client.post("/api/crm/conversations", {"fanId": 987654}, format="json"), 404, "Fan not found")


def test_patch_archives_tags_and_marks_read(crm_client, creator):
    conversation = ConversationFactory(fan=FanFactory(creator=creator))
    MessageFactory(conversation=conversation)
    MessageFactory(conversation=conversation)
    body = {"is_archived": True, "tags": ["hot"], "read": True, "unread_count": 7, "message_count": 0}
    response = crm_client.patch(f"/api/crm/conversations/{conversation.pk}", body, format="json")
    assert_status(response, 200)
    data = response.json()["conversation"]
    assert (data["is_archived"], data["tags"], data["unread_count"], data["message_count"]) == (True, ["hot"], 0, 2)
    assert conversation.messages.filter(read_at__isnull=True).count() == 0


@pytest.mark.parametrize(
    "body", [{"is_archived": True}, {"tags": ["b", "a"]}, {"read": True}, {"is_archived": True, "tags": ["x"], "read": True}]
)
def test_patch_answers_what_a_fresh_read_shows(crm_client, creator, body):
    conversation = ConversationFactory(fan=FanFactory(creator=creator))
    services.message_add(conversation=conversation, direction="in", text="hi")
    url = f"/api/crm/conversations/{conversation.pk}"
    response = crm_client.patch(url, body, format="json")
    assert_status(response, 200)
    changed = response.json()["conversation"]
    assert changed == crm_client.get(url).json()["conversation"]
    assert changed["is_archived"] is body.get("is_archived", False)
    assert changed["unread_count"] == (0 if body.get("read") else 1)


def test_read_false_changes_nothing(crm_client, creator):
    conversation = ConversationFactory(fan=FanFactory(creator=creator))
    MessageFactory(conversation=conversation)
    response = crm_client.patch(f"/api/crm/conversations/{conversation.pk}", {"read": False}, format="json")
    assert response.json()["conversation"]["unread_count"] == 1


def test_list_filters_and_ordering(crm_client, creator):
    alice = FanFactory(creator=creator, name="Alice", platform="onlyfans")
    bob = FanFactory(creator=creator, name="Bob", platform="fansly")
    quiet = ConversationFactory(fan=alice)
    busy = ConversationFactory(fan=bob)
    services.message_add(conversation=busy, direction="in", text="hi")
    services.conversation_update(conversation=quiet, tags=["vip"], is_archived=True)

    def ids(query):
        response = crm_client.get(f"/api/crm/conversations?{query}")
        assert_status(response, 200)
        return [c["id"] for c in response.json()["conversations"]]

    assert ids("platform=fansly") == [busy.pk]
    assert ids("tag=vip") == [quiet.pk]
    assert ids("q=alice") == [quiet.pk]
    assert ids(f"fan={bob.pk}") == [busy.pk]
    assert ids("archived=true") == [quiet.pk]
    # Conversations without messages sort after those with, either way.
    assert ids("ordering=-last_message_at") == [busy.pk, quiet.pk]
    assert ids("ordering=last_message_at") == [busy.pk, quiet.pk]
    assert ids("ordering=-unread_count") == [busy.pk, quiet.pk]
    assert ids("archived=false") == [busy.pk]
    assert_crm_error(crm_client.get("/api/crm/conversations?archived=maybe"), 400, "Invalid archived")
    assert_crm_error(crm_client.get("/api/crm/conversations?fan=abc"), 400, "Invalid fan")
    assert_crm_error(crm_client.get(f"/api/crm/conversations?fan={2**70}"), 400, "Invalid fan")
