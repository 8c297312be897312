"""Tag assignment, through every entry point that sets a fan's or a conversation's tags.

The rule (crm.services.tags_resolve, limits in crm.validators): names are trimmed, blank ones
dropped and duplicates collapsed; at most 50 tags of at most 64 characters, else nothing changes;
tags are the creator's own, created when missing. Each surface refuses in its own format.

| entry point                        | request                                 | a refusal is                    |
|------------------------------------|-----------------------------------------|---------------------------------|
| page: new fan form                 | POST /fans/new/ (`a, b`)                | 400, field error                |
| page: profile form                 | POST /fans/<id>/edit                    | 400, field error                |
| page: thread tags                  | POST /inbox/<id>/tags                   | 400, field error                |
| /api/crm: create fan               | POST /api/crm/fans                      | 400 `Invalid tags`              |
| /api/crm: change fan               | PATCH /api/crm/fans/<id>                | 400 `Invalid tags`              |
| /api/crm: change conversation      | PATCH /api/crm/conversations/<id>       | 400 `Invalid tags`              |
| /api/v1: conversation tags         | PUT /api/v1/conversations/<id>/tags     | 400 `At most 50 tags of at most 64 characters` |
| admin: fan change form             | POST /admin/crm/fan/<id>/change/ (tag ids) | 200, field error             |
| admin: conversation change form    | POST /admin/crm/conversation/<id>/change/ | 200, field error              |
| management commands                | none (seed_demo writes through the same services) |                       |

The admin picks existing tags, so its names are already trimmed and short: it takes the "kept
tidy" and "too many" cases.
"""

import pytest

from crm.models import Conversation, Fan, Tag
from crm.validators import MAX_TAGS, TAG_LIMITS
from tests.factories import ConversationFactory, FanFactory, TagFactory
from tests.helpers import (
    admin_fan_form,
    admin_url,
    assert_crm_error,
    assert_status,
    assert_v1_error,
    send_json,
)

from .conftest import fan_named, new_fan_form, profile_form

pytestmark = pytest.mark.django_db

CASES = {
    "kept tidy": [" vip", "vip ", "", "new", "vip"],
    "too many": [f"tag{i}" for i in range(MAX_TAGS + 1)],
    "too long": ["x" * 65],
}
TIDY = ["new", "vip"]  # stored, by name
BEFORE = ["old"]


def names(obj) -> list[str]:
    return sorted(tag.name for tag in obj.tags.all())


def comma(tags) -> str:
    return ",".join(tags)


def admin_tag_ids(creator, tags):
    return [Tag.objects.get_or_create(creator=creator, name=name.strip())[0].pk for name in tags if name.strip()]


# door: (target, write(doors, obj, tags) -> response, ok status, refused(response))
def page_new(d, obj, tags):
    return d.page.post("/fans/new/", new_fan_form(name="Tagged", tags=comma(tags)))


def page_profile(d, fan, tags):
    return d.page.post(f"/fans/{fan.pk}/edit", profile_form(fan, tags=comma(tags)))


def page_thread(d, conversation, tags):
    return d.page.post(f"/inbox/{conversation.pk}/tags", {"tags": comma(tags)})


def crm_create(d, obj, tags):
    body = {"name": "Tagged", "platform": "onlyfans", "platform_id": "of-tagged", "tags": tags}
    return send_json(d.crm, "post", "/api/crm/fans", body)


def crm_fan(d, fan, tags):
    return send_json(d.crm, "patch", f"/api/crm/fans/{fan.pk}", {"tags": tags})


def crm_conversation(d, conversation, tags):
    return send_json(d.crm, "patch", f"/api/crm/conversations/{conversation.pk}", {"tags": tags})


def v1_conversation(d, conversation, tags):
    return send_json(d.v1, "put", f"/api/v1/conversations/{conversation.pk}/tags", {"tags": tags})


def admin_fan(d, fan, tags):
    return d.staff.post(admin_url(Fan, "change", fan.pk), admin_fan_form(fan, tags=admin_tag_ids(d.creator, tags)))


def admin_conversation(d, conversation, tags):
    data = {"subject": conversation.subject, "tags": admin_tag_ids(d.creator, tags)}
    return d.staff.post(admin_url(Conversation, "change", conversation.pk), data)


def page_refused(form_key):
    def check(response):
        assert_status(response, 400)
        assert response.context[form_key].errors["tags"] == [TAG_LIMITS]

    return check


def crm_refused(response):
    assert_crm_error(response, 400, "Invalid tags")


def v1_refused(response):
    assert_v1_error(response, 400, TAG_LIMITS)


def admin_refused(response):
    assert_status(response, 200)
    assert response.context["adminform"].form.errors["tags"] == [TAG_LIMITS]


DOORS = {
    "page new fan form": ("new fan", page_new, 302, page_refused("form")),
    "page profile form": ("fan", page_profile, 302, page_refused("profile_form")),
    "page thread tags": ("conversation", page_thread, 302, page_refused("tags_form")),
    "api crm create fan": ("new fan", crm_create, 201, crm_refused),
    "api crm change fan": ("fan", crm_fan, 200, crm_refused),
    "api crm change conversation": ("conversation", crm_conversation, 200, crm_refused),
    "api v1 conversation tags": ("conversation", v1_conversation, 200, v1_refused),
    "admin fan change form": ("fan", admin_fan, 302, admin_refused),
    "admin conversation change form": ("conversation", admin_conversation, 302, admin_refused),
}
MATRIX = [
    (door, case) for door in DOORS for case in CASES if not (door.startswith("admin") and case == "too long")
]


@pytest.mark.parametrize(("door", "case"), MATRIX)
def test_tags_follow_one_rule_through_every_door(doors, door, case):
    target, write, ok, refused = DOORS[door]
    obj = None
    if target == "fan":
        obj = FanFactory(creator=doors.creator)
        obj.tags.set([TagFactory(creator=doors.creator, name="old")])
    elif target == "conversation":
        obj = ConversationFactory(fan=FanFactory(creator=doors.creator), subject="Tags")
        obj.tags.set([TagFactory(creator=doors.creator, name="old")])

    response = write(doors, obj, CASES[case])
    stored = fan_named(doors.creator, "Tagged") if target == "new fan" else obj
    if case == "kept tidy":
        assert_status(response, ok)
        stored.refresh_from_db()
        assert names(stored) == TIDY
    else:
        refused(response)
        if target == "new fan":
            assert stored is None
        else:
            assert names(stored) == BEFORE
