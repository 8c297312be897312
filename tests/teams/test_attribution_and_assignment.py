"""Who sent each outgoing message (`sent_by` on both APIs and the thread page), who did what
(the audit log), and assignment from every door: page, /api/crm, /api/v1."""

import pytest
from django.test import TestCase
from rest_framework.test import APIClient

from crm import services, signals
from crm.choices import Direction
from crm.models import AuditEntry, Conversation
from tests.factories import ApiKeyFactory, ConversationFactory, CreatorFactory, FanFactory, MembershipFactory
from tests.helpers import assert_crm_error, assert_v1_error, crm_client_for

from .conftest import page_client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(db):
    creator = CreatorFactory(slug="house")
    chatter = MembershipFactory(creator=creator, role="chatter").user
    other_chatter = MembershipFactory(creator=creator, role="chatter").user
    manager = MembershipFactory(creator=creator, role="manager").user
    conversation = ConversationFactory(fan=FanFactory(creator=creator, name="Fan"))
    services.message_add(conversation=conversation, direction=Direction.INCOMING, text="hi")
    return creator, chatter, other_chatter, manager, conversation


def v1_for(creator, name="Zapier"):
    key = ApiKeyFactory(creator=creator, name=name)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key.raw_key}")
    return client, key


def test_every_door_records_the_sender(team):
    creator, chatter, _other, _manager, conversation = team
    page_client_for(chatter).post(f"/inbox/{conversation.pk}/send", {"text": "from the page"})
    crm_client_for(chatter).post(
        f"/api/crm/conversations/{conversation.pk}/messages", {"text": "from the api"}, format="json"
    )
    crm_client_for(creator.user).post(
        f"/api/crm/conversations/{conversation.pk}/messages", {"text": "by ai", "sent_by_ai": True}, format="json"
    )
    v1, key = v1_for(creator)
    v1.post("/api/v1/messages", {"conversation_id": conversation.pk, "message": "from a key"}, format="json")
    sent = {m.text: m for m in conversation.messages.filter(direction=Direction.OUTGOING)}
    assert (sent["from the page"].sent_by_kind, sent["from the page"].sent_by_id) == ("member", chatter.pk)
    assert sent["from the api"].sent_by_id == chatter.pk and sent["from the api"].sent_by_name == chatter.email
    assert (sent["from a key"].sent_by_kind, sent["from a key"].sent_by_api_key_id) == ("api_key", key.pk)
    assert sent["from a key"].sent_by_name == "Zapier"

    listed = crm_client_for(creator.user).get(f"/api/crm/conversations/{conversation.pk}/messages").json()["messages"]
    by_text = {m["text"]: m["sent_by"] for m in listed}
    assert by_text["hi"] is None  # incoming
    assert by_text["from the page"] == {"type": "member", "id": chatter.pk, "name": chatter.email}
    assert by_text["by ai"] == {"type": "ai", "id": None, "name": None}
    assert by_text["from a key"] == {"type": "api_key", "id": key.pk, "name": "Zapier"}
    v1_listed = v1.get(f"/api/v1/messages?conversation_id={conversation.pk}").json()["data"]
    v1_by_text = {m["message"]: m for m in v1_listed}
    assert v1_by_text["from the page"]["sent_by"] == {"type": "member", "id": chatter.pk, "name": chatter.email}
    # The documented sender fields stay the creator's.
    assert (v1_by_text["from the page"]["sender_id"], v1_by_text["from the page"]["sender_name"]) == (
        creator.user_id, "house",
    )
    thread = page_client_for(creator.user).get(f"/inbox/{conversation.pk}/").content.decode()
    assert chatter.email in thread and "API key “Zapier”" in thread


def test_webhook_and_command_messages_have_no_member_sender(team):
    *_rest, conversation = team
    message = services.message_add(conversation=conversation, direction=Direction.OUTGOING, text="platform")
    assert message.sent_by_kind == "" and message.sent_by_id is None


def test_a_chatter_takes_an_unassigned_conversation_and_gives_it_back(team):
    creator, chatter, other, _manager, conversation = team
    pages = page_client_for(chatter)
    assert b"Take it" in pages.get(f"/inbox/{conversation.pk}/").content
    assert pages.post(f"/inbox/{conversation.pk}/assign", {"assignee": chatter.pk}).status_code == 302
    assert Conversation.objects.get(pk=conversation.pk).assignee_id == chatter.pk
    # Someone else's conversation: a chatter can neither take it nor give it away.
    assert page_client_for(other).post(f"/inbox/{conversation.pk}/assign", {"assignee": other.pk}).status_code == 403
    assert_crm_error(
        crm_client_for(other).patch(f"/api/crm/conversations/{conversation.pk}", {"assignee_id": None}, format="json"),
        403, "Forbidden",
    )
    assert Conversation.objects.get(pk=conversation.pk).assignee_id == chatter.pk
    assert pages.post(f"/inbox/{conversation.pk}/assign", {"assignee": ""}).status_code == 302
    assert Conversation.objects.get(pk=conversation.pk).assignee_id is None


def test_managers_assign_anyone_through_both_apis(team):
    creator, chatter, other, manager, conversation = team
    response = crm_client_for(manager).patch(
        f"/api/crm/conversations/{conversation.pk}", {"assignee_id": chatter.pk}, format="json"
    )
    assert response.status_code == 200 and response.json()["conversation"]["assignee_id"] == chatter.pk
    v1, _key = v1_for(creator)
    response = v1.put(f"/api/v1/conversations/{conversation.pk}/assignee", {"assignee_id": other.pk}, format="json")
    assert response.status_code == 200 and response.json()["data"]["assignee_id"] == other.pk
    # Not a member of this creator, or not a number: refused, nothing changes.
    stranger = MembershipFactory(creator=CreatorFactory(), role="chatter").user
    assert_crm_error(
        crm_client_for(manager).patch(f"/api/crm/conversations/{conversation.pk}", {"assignee_id": stranger.pk}, format="json"),
        400, "Invalid assignee_id",
    )
    assert_v1_error(
        v1.put(f"/api/v1/conversations/{conversation.pk}/assignee", {"assignee_id": "x"}, format="json"), 400,
    )
    assert_v1_error(v1.put(f"/api/v1/conversations/{conversation.pk}/assignee", {}, format="json"), 400)
    assert Conversation.objects.get(pk=conversation.pk).assignee_id == other.pk


def test_the_signal_is_sent_inside_the_transaction(team):
    creator, chatter, _other, manager, conversation = team
    seen = []

    def receiver(sender, conversation, previous_assignee_id, assigned_by_id, **kwargs):
        from django.db import connection

        seen.append((conversation.assignee_id, previous_assignee_id, assigned_by_id, connection.in_atomic_block))

    signals.conversation_assigned.connect(receiver)
    try:
        crm_client_for(manager).patch(f"/api/crm/conversations/{conversation.pk}", {"assignee_id": chatter.pk}, format="json")
        crm_client_for(manager).patch(f"/api/crm/conversations/{conversation.pk}", {"assignee_id": chatter.pk}, format="json")
    finally:
        signals.conversation_assigned.disconnect(receiver)
    assert seen == [(chatter.pk, None, manager.pk, True)]  # a no-change sends nothing


def test_inbox_filters_and_counts(team):
    creator, chatter, _other, manager, conversation = team
    mine = ConversationFactory(fan=FanFactory(creator=creator, name="Zelda"))
    services.message_add(conversation=mine, direction=Direction.INCOMING, text="yo")
    crm_client_for(manager).patch(f"/api/crm/conversations/{mine.pk}", {"assignee_id": chatter.pk}, format="json")
    pages = page_client_for(chatter)
    page = pages.get("/inbox/").content.decode()
    assert '<strong>2</strong> unread' in page and '<strong>1</strong> unassigned' in page
    assert "Zelda" in pages.get("/inbox/?assigned=mine").content.decode()
    assert "Zelda" not in pages.get("/inbox/?assigned=unassigned").content.decode()
    api = crm_client_for(chatter)
    assert [c["id"] for c in api.get("/api/crm/conversations?assigned=mine").json()["conversations"]] == [mine.pk]
    assert [c["id"] for c in api.get("/api/crm/conversations?assigned=unassigned").json()["conversations"]] == [conversation.pk]
    assert len(api.get("/api/crm/conversations?assigned=all").json()["conversations"]) == 2
    assert_crm_error(api.get("/api/crm/conversations?assigned=theirs"), 400, "Invalid assigned")
    v1, _key = v1_for(creator)
    assert [c["id"] for c in v1.get("/api/v1/conversations?assigned=unassigned").json()["data"]] == [conversation.pk]
    assert_v1_error(v1.get("/api/v1/conversations?assigned=theirs"), 400, "Invalid assigned")


def test_the_audit_log_records_who_did_what_with_ids_only(team):
    creator, chatter, _other, manager, conversation = team
    api = crm_client_for(chatter)
    api.patch(f"/api/crm/conversations/{conversation.pk}", {"is_archived": True, "tags": ["vip"]}, format="json")
    api.patch(f"/api/crm/fans/{conversation.fan_id}", {"tags": ["whale"]}, format="json")
    page_client_for(chatter).post(f"/fans/{conversation.fan_id}/notes", {"notes": "Secret: lives at 1 Main St"})
    page_client_for(manager).post(f"/fans/{conversation.fan_id}/screening/decision", {"status": "approved"})
    entries = list(AuditEntry.objects.filter(creator=creator).order_by("id").values_list("action", "actor_id", "object_id"))
    assert entries == [
        ("conversation.archived", chatter.pk, conversation.pk),
        ("conversation.tags_changed", chatter.pk, conversation.pk),
        ("fan.tags_changed", chatter.pk, conversation.fan_id),
        ("fan.notes_edited", chatter.pk, conversation.fan_id),
        ("screening.decided", manager.pk, conversation.fan_id),
    ]
    dump = str(list(AuditEntry.objects.values()))
    assert "Main St" not in dump and "Fan" not in dump.replace("fan.", "")
    fan = conversation.fan
    fan.refresh_from_db()
    assert fan.notes_updated_by_id == chatter.pk
    # Erasing the fan leaves the log (its id only) and records the deletion.
    page_client_for(manager).post(f"/fans/{fan.pk}/delete")
    assert AuditEntry.objects.filter(creator=creator).count() == 6
    assert AuditEntry.objects.filter(action="fan.deleted", object_id=fan.pk, actor_id=manager.pk).exists()


def test_audit_entries_are_append_only(team):
    creator, *_ = team
    services.api_key_create(creator=creator, name="k")
    entry = AuditEntry.objects.get(action="api_key.created")
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()


def test_invitation_story_is_audited(team):
    creator, *_ = team
    owner = page_client_for(creator.user)
    with TestCase.captureOnCommitCallbacks(execute=True):
        owner.post("/team/invite", {"email": "new@example.com", "role": "chatter"})
    assert list(AuditEntry.objects.filter(creator=creator).values_list("action", "actor_id")) == [
        ("member.invited", creator.user_id)
    ]


def test_staff_assign_in_the_admin_to_members_only(team, staff):
    creator, chatter, _other, _manager, conversation = team
    url = f"/admin/crm/conversation/{conversation.pk}/change/"
    form = {"subject": "", "is_archived": "", "tags": [], "assignee": chatter.pk}
    assert staff.post(url, form).status_code == 302
    assert Conversation.objects.get(pk=conversation.pk).assignee_id == chatter.pk
    stranger = MembershipFactory(creator=CreatorFactory(), role="chatter").user
    response = staff.post(url, {**form, "assignee": stranger.pk})
    assert response.status_code == 200 and b"active member" in response.content
    assert Conversation.objects.get(pk=conversation.pk).assignee_id == chatter.pk
    entry = AuditEntry.objects.get(action="conversation.assigned")
    assert entry.actor_id == staff.user.pk and entry.details == {"assignee_id": chatter.pk, "previous_assignee_id": None}


def test_a_chatters_fan_page_has_notes_and_tags_but_no_profile_money_or_screening(team):
    creator, chatter, *_rest, conversation = team
    page = page_client_for(chatter).get(f"/fans/{conversation.fan_id}/").content.decode()
    assert 'id="fan-tags"' in page and "Save notes" in page
    for hidden in ("Edit profile", "Record a transaction", 'id="screening"', "Delete fan"):
        assert hidden not in page, hidden
    owner_page = page_client_for(creator.user).get(f"/fans/{conversation.fan_id}/").content.decode()
    assert 'id="fan-tags"' not in owner_page and "Edit profile" in owner_page  # tags are in the profile
    response = page_client_for(chatter).post(f"/fans/{conversation.fan_id}/tags", {"tags": "vip, night"})
    assert response.status_code == 302
    assert sorted(conversation.fan.tags.values_list("name", flat=True)) == ["night", "vip"]
