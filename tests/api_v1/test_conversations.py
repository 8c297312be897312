"""/api/v1/conversations: list, get, create, archive, tags, read."""

import pytest

from crm import services
from crm.choices import Direction
from crm.models import Conversation, Message, Tag
from tests.factories import ConversationFactory, FanFactory
from tests.helpers import assert_status, assert_v1_error

pytestmark = pytest.mark.django_db

FIELDS = {
    "id": int,
    "subject": str,
    "chat_status": str,
    "client_model_interaction_id": int,
    "client_identifier": str,
    "is_archived": int,
    "unread_count": int,
    "tags": list,
    "message_count": int,
    "created_at": str,
    "updated_at": str,
}


def test_list_items_have_every_documented_field(v1_client, world):
    services.conversation_update(conversation=world.conversation, tags=["screening", "appointment"])
    data = assert_status(v1_client.get("/api/v1/conversations"), 200)
    (item,) = data["data"]
    for name, kind in FIELDS.items():
        assert type(item[name]) is kind, (name, item)
    assert item["client_model_interaction_id"] == world.fan.pk
    assert item["client_identifier"] == "client123"
    assert item["chat_status"] == "active" and item["is_archived"] == 0
    assert item["tags"] == ["appointment", "screening"]
    assert item["unread_count"] == 2 and item["message_count"] == 2
    assert data["pagination"] == {"page": 1, "limit": 50, "total": 1, "pages": 1}


def test_status_and_interaction_filters(v1_client, creator):
    fan, other_fan = FanFactory(creator=creator), FanFactory(creator=creator)
    active = ConversationFactory(fan=fan)
    archived = ConversationFactory(fan=fan, is_archived=True)
    elsewhere = ConversationFactory(fan=other_fan)

    def ids(query):
        data = assert_status(v1_client.get(f"/api/v1/conversations?{query}"), 200)
        assert data["pagination"]["total"] == len(data["data"])
        return [c["id"] for c in data["data"]]

    assert ids("status=active") == [elsewhere.pk, active.pk]
    assert ids("status=archived") == [archived.pk]
    assert ids("status=all") == ids("") == [elsewhere.pk, archived.pk, active.pk]
    assert ids(f"interaction_id={fan.pk}") == [archived.pk, active.pk]
    assert ids(f"interaction_id={fan.pk}&status=active") == [active.pk]


def test_interaction_filter_of_another_creators_fan_is_empty(v1_client, world, other_world):
    data = assert_status(v1_client.get(f"/api/v1/conversations?interaction_id={other_world.fan.pk}"), 200)
    assert data["data"] == [] and data["pagination"]["total"] == 0


@pytest.mark.parametrize(
    "query, message",
    [
        ("status=open", "Invalid status"),
        ("interaction_id=abc", "Invalid interaction_id"),
        ("page=0", "Invalid page"),
    ],
)
def test_invalid_list_parameters(v1_client, query, message):
    assert_v1_error(v1_client.get(f"/api/v1/conversations?{query}"), 400, message)


def test_list_query_count_does_not_grow_with_the_page(v1_client, creator, django_assert_num_queries):
    for i in range(6):
        conversation = ConversationFactory(fan=FanFactory(creator=creator))
        services.conversation_update(conversation=conversation, tags=[f"t{i}", "shared"])
    v1_client.get("/api/v1/conversations")
    # key lookup, count, page with its fans, tags of the page
    for limit in (1, 6):
        with django_assert_num_queries(4):
            data = assert_status(v1_client.get(f"/api/v1/conversations?limit={limit}"), 200)
        assert len(data["data"]) == limit


def test_get(v1_client, world):
    data = assert_status(v1_client.get(f"/api/v1/conversations/{world.conversation.pk}"), 200)["data"]
    assert data["id"] == world.conversation.pk and data["subject"] == "Initial Contact"


def test_get_loads_the_conversation_once(v1_client, world, django_assert_num_queries):
    url = f"/api/v1/conversations/{world.conversation.pk}"
    v1_client.get(url)
    with django_assert_num_queries(3):  # key lookup, the conversation with its fan, its tags
        assert_status(v1_client.get(url), 200)


def test_a_change_answers_what_a_fresh_read_shows(v1_client, world):
    # The change views answer with the instance they changed: it must not be stale.
    url = f"/api/v1/conversations/{world.conversation.pk}"
    for action, payload in (("archive", {"archived": True}), ("tags", {"tags": ["b", "a"]}), ("read", None)):
        changed = assert_status(v1_client.put(f"{url}/{action}", payload, format="json"), 200)["data"]
        assert changed == assert_status(v1_client.get(url), 200)["data"], action
    assert changed["is_archived"] == 1 and changed["tags"] == ["a", "b"] and changed["unread_count"] == 0


def test_create_with_a_first_message_from_the_model(v1_client, creator, world):
    payload = {
        "interaction_id": world.fan.pk,
        "subject": "New Thread",
        "message": "Initial message (optional)",
    }
    data = assert_status(v1_client.post("/api/v1/conversations", payload, format="json"), 201)["data"]
    conversation = Conversation.objects.get(pk=data["id"])
    assert conversation.fan == world.fan and conversation.subject == "New Thread"
    (message,) = Message.objects.filter(conversation=conversation)
    assert message.direction == Direction.OUTGOING and message.text == "Initial message (optional)"
    assert data["message_count"] == 1 and data["chat_status"] == "active"


def test_create_always_opens_a_new_thread(v1_client, world):
    for subject in ("One", "Two"):
        payload = {"interaction_id": str(world.fan.pk), "subject": subject}
        assert_status(v1_client.post("/api/v1/conversations", payload, format="json"), 201)
    assert Conversation.objects.filter(fan=world.fan).count() == 3


@pytest.mark.parametrize(
    "payload, message",
    [
        ({"subject": "S"}, "interaction_id is required"),
        ({"interaction_id": "FAN"}, "subject is required"),
        ({"interaction_id": "FAN", "subject": "   "}, "subject is required"),
        ({"interaction_id": "abc", "subject": "S"}, "Invalid interaction_id"),
        ({"interaction_id": True, "subject": "S"}, "Invalid interaction_id"),
        ({"interaction_id": "FAN", "subject": 5}, "Invalid subject"),
        ({"interaction_id": "FAN", "subject": "x" * 256}, "Invalid subject"),
        ({"interaction_id": "FAN", "subject": "S", "message": 1}, "Invalid message"),
    ],
)
def test_create_validates(v1_client, world, payload, message):
    payload = {k: (world.fan.pk if v == "FAN" else v) for k, v in payload.items()}
    assert_v1_error(v1_client.post("/api/v1/conversations", payload, format="json"), 400, message)
    assert Conversation.objects.filter(fan=world.fan).count() == 1


def test_archive_and_unarchive(v1_client, world):
    url = f"/api/v1/conversations/{world.conversation.pk}/archive"
    data = assert_status(v1_client.put(url, {"archived": True}, format="json"), 200)["data"]
    assert data["chat_status"] == "archived" and data["is_archived"] == 1
    data = assert_status(v1_client.put(url, {"archived": False}, format="json"), 200)["data"]
    assert data["chat_status"] == "active" and data["is_archived"] == 0


@pytest.mark.parametrize(
    "payload, message",
    [
        ({}, "archived is required"),
        ({"archived": "maybe"}, "Invalid archived"),
        ({"archived": None}, "archived is required"),
    ],
)
def test_archive_validates(v1_client, world, payload, message):
    url = f"/api/v1/conversations/{world.conversation.pk}/archive"
    assert_v1_error(v1_client.put(url, payload, format="json"), 400, message)


@pytest.mark.parametrize(
    "body, message",
    [("", "archived is required"), ("other=1", "archived is required"), ("archived=maybe", "Invalid archived")],
)
def test_a_form_encoded_archive_without_archived_is_a_400_not_an_unarchive(v1_client, world, body, message):
    services.conversation_update(conversation=world.conversation, is_archived=True)
    url = f"/api/v1/conversations/{world.conversation.pk}/archive"
    response = v1_client.put(url, body, content_type="application/x-www-form-urlencoded")
    assert_v1_error(response, 400, message)
    world.conversation.refresh_from_db()
    assert world.conversation.is_archived


@pytest.mark.parametrize(("value", "archived"), [("true", True), ("false", False), ("1", True), ("0", False)])
def test_a_form_encoded_archive_with_archived_works(v1_client, world, value, archived):
    url = f"/api/v1/conversations/{world.conversation.pk}/archive"
    response = v1_client.put(url, f"archived={value}", content_type="application/x-www-form-urlencoded")
    assert assert_status(response, 200)["data"]["is_archived"] == int(archived)


def test_tags_replace_the_set_and_share_the_fans_tag_system(v1_client, creator, world):
    services.fan_update(fan=world.fan, tags=["screening"])
    url = f"/api/v1/conversations/{world.conversation.pk}/tags"
    payload = {"tags": ["screening", "appointment", "follow-up", "screening"]}
    data = assert_status(v1_client.put(url, payload, format="json"), 200)["data"]
    assert data["tags"] == ["appointment", "follow-up", "screening"]
    assert Tag.objects.filter(creator=creator, name="screening").count() == 1
    assert set(world.conversation.tags.all()) >= set(world.fan.tags.all())
    data = assert_status(v1_client.put(url, {"tags": []}, format="json"), 200)["data"]
    assert data["tags"] == []


@pytest.mark.parametrize(
    "payload, message",
    [
        ({}, "Tags must be an array"),
        ({"tags": "screening"}, "Tags must be an array"),
        ({"tags": {"a": 1}}, "Tags must be an array"),
        ({"tags": ["ok", 3]}, "Tags must be an array of strings"),
        ({"tags": ["x" * 65]}, "At most 50 tags of at most 64 characters"),
        ({"tags": [str(i) for i in range(51)]}, "At most 50 tags of at most 64 characters"),
    ],
)
def test_tags_validate(v1_client, world, payload, message):
    url = f"/api/v1/conversations/{world.conversation.pk}/tags"
    assert_v1_error(v1_client.put(url, payload, format="json"), 400, message)


def test_mark_read(v1_client, world):
    data = assert_status(v1_client.put(f"/api/v1/conversations/{world.conversation.pk}/read"), 200)["data"]
    assert data["unread_count"] == 0
    assert not Message.objects.filter(
        conversation=world.conversation, direction="in", read_at__isnull=True
    ).exists()
