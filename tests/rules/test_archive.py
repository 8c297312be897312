"""Archiving a conversation, through every entry point that archives or unarchives.

The rule (crm.services.conversation_update(is_archived=...)): the flag is set and the thread's
`updated_at` moves; its messages and counters stay; an archived thread is no longer the one a new
contact reuses (conversation_open), and the inbox lists it under "Archived".

| entry point                   | request                                        |
|-------------------------------|------------------------------------------------|
| page: thread                  | POST /inbox/<id>/archive (`archive=1` / `0`)   |
| /api/crm: change conversation | PATCH /api/crm/conversations/<id> `is_archived`|
| /api/v1: archive              | PUT /api/v1/conversations/<id>/archive `archived` |
| admin: archive / unarchive    | POST /admin/crm/conversation/ (action)         |
| admin: conversation change    | POST /admin/crm/conversation/<id>/change/      |
| management commands           | none                                           |
"""

import pytest

from crm import services
from crm.choices import Direction
from crm.models import Conversation
from tests.factories import ConversationFactory, FanFactory
from tests.helpers import admin_url, assert_status, send_json

pytestmark = pytest.mark.django_db


def page_thread(d, conversation, archived):
    return d.page.post(f"/inbox/{conversation.pk}/archive", {"archive": "1" if archived else "0"}), 302


def crm_patch(d, conversation, archived):
    return send_json(d.crm, "patch", f"/api/crm/conversations/{conversation.pk}", {"is_archived": archived}), 200


def v1_put(d, conversation, archived):
    return send_json(d.v1, "put", f"/api/v1/conversations/{conversation.pk}/archive", {"archived": archived}), 200


def admin_action(d, conversation, archived):
    action = "archive" if archived else "unarchive"
    return d.staff.post(admin_url(Conversation), {"action": action, "_selected_action": [conversation.pk]}), 302


def admin_change(d, conversation, archived):
    data = {"subject": conversation.subject, **({"is_archived": "on"} if archived else {})}
    return d.staff.post(admin_url(Conversation, "change", conversation.pk), data), 302


DOORS = {
    "page thread": page_thread,
    "api crm change conversation": crm_patch,
    "api v1 archive": v1_put,
    "admin action": admin_action,
    "admin change form": admin_change,
}


@pytest.mark.parametrize("archived", [True, False], ids=["archive", "unarchive"])
@pytest.mark.parametrize("door", DOORS)
def test_archiving_is_the_same_through_every_door(doors, door, archived):
    fan = FanFactory(creator=doors.creator)
    conversation = ConversationFactory(fan=fan, subject="Booking", is_archived=not archived)
    services.message_add(conversation=conversation, direction=Direction.INCOMING, text="Hi")
    conversation.refresh_from_db()
    before = conversation.updated_at

    response, ok = DOORS[door](doors, conversation, archived)
    assert_status(response, ok)

    conversation.refresh_from_db()
    assert conversation.is_archived is archived
    assert conversation.updated_at > before
    assert (conversation.message_count, conversation.unread_count) == (1, 1)
    reused, _created = services.conversation_open(fan=fan)
    assert (reused.pk == conversation.pk) is not archived
