"""The screening decision, through every entry point that sets a screening status.

The rule (crm.services, `_decide_screening`, reached through fan_create, fan_update and
fan_screening_decide): approving makes the fan `screened` unless the same request changes the
category (re-sending the category it has is no change); rejecting leaves the category; approving
and rejecting record who decided and when; a status the fan already has is no decision.

| entry point                       | request                                           |
|-----------------------------------|---------------------------------------------------|
| page: profile form                | POST /fans/<id>/edit (always re-sends the category) |
| page: new fan form                | POST /fans/new/                                   |
| page: screening decision          | POST /fans/<id>/screening/decision                |
| /api/v1: update client            | PUT /api/v1/clients/<id>                          |
| /api/v1: create client            | POST /api/v1/clients                              |
| admin: fan change form            | POST /admin/crm/fan/<id>/change/ (re-sends the category) |
| admin: fan add form               | POST /admin/crm/fan/add/                          |
| admin: approve / reject actions   | POST /admin/crm/fan/ (action)                     |
| /api/crm, management commands     | none: no screening field, no command sets one     |

Cases (stored before → request → stored after; "decided": decider and time recorded):

| case                          | before                 | request              | after                   | decided |
|-------------------------------|------------------------|----------------------|-------------------------|---------|
| approve                       | pending, unscreened    | approved             | approved, screened      | yes     |
| approve re-sending category   | pending, unscreened    | approved, unscreened | approved, screened      | yes     |
| approve with a new category   | pending, unscreened    | approved, subscriber | approved, subscriber    | yes     |
| reject                        | pending, screened      | rejected             | rejected, screened      | yes     |
| same status again             | approved, subscriber   | approved             | approved, subscriber    | no      |

Create doors start from the defaults (pending, unscreened), so they take the first three cases;
the admin actions send no category, so they take approve, reject and same status again.
"""

from datetime import UTC, datetime

import pytest
from django.utils import timezone

from crm.choices import ClientCategory as C
from crm.choices import ScreeningStatus as S
from crm.models import Fan
from tests.factories import FanFactory
from tests.helpers import admin_fan_form, admin_url, assert_status, send_json

from .conftest import admin_new_fan_form, fan_named, new_fan_form, profile_form

pytestmark = pytest.mark.django_db

EARLIER = datetime(2025, 1, 1, tzinfo=UTC)

CASES = {
    "approve": ((S.PENDING, C.UNSCREENED), (S.APPROVED, None), (S.APPROVED, C.SCREENED), True),
    "approve re-sending category": ((S.PENDING, C.UNSCREENED), (S.APPROVED, C.UNSCREENED), (S.APPROVED, C.SCREENED), True),
    "approve with a new category": ((S.PENDING, C.UNSCREENED), (S.APPROVED, C.SUBSCRIBER), (S.APPROVED, C.SUBSCRIBER), True),
    "reject": ((S.PENDING, C.SCREENED), (S.REJECTED, None), (S.REJECTED, C.SCREENED), True),
    "same status again": ((S.APPROVED, C.SUBSCRIBER), (S.APPROVED, None), (S.APPROVED, C.SUBSCRIBER), False),
}


# --- Doors on an existing fan: send(doors, fan, status, category) -> response -------------------


def page_profile(d, fan, status, category):
    data = profile_form(fan, screening_status=status, client_category=category or fan.client_category)
    return assert_ok(d.page.post(f"/fans/{fan.pk}/edit", data), 302)


def page_decision(d, fan, status, category):
    data = {"status": status, "client_category": category or ""}
    return assert_ok(d.page.post(f"/fans/{fan.pk}/screening/decision", data), 302)


def v1_update(d, fan, status, category):
    body = {"screening_status": status, **({"client_category": category} if category else {})}
    return assert_ok(send_json(d.v1, "put", f"/api/v1/clients/{fan.pk}", body), 200)


def admin_change(d, fan, status, category):
    data = admin_fan_form(fan, screening_status=status, client_category=category or fan.client_category)
    return assert_ok(d.staff.post(admin_url(Fan, "change", fan.pk), data), 302)


def admin_action(d, fan, status, category):
    action = {S.APPROVED: "approve_screening", S.REJECTED: "reject_screening"}[status]
    return assert_ok(d.staff.post(admin_url(Fan), {"action": action, "_selected_action": [fan.pk]}), 302)


# --- Doors that create the fan: create(doors, name, status, category) -> response ---------------


def page_new(d, name, status, category):
    data = new_fan_form(name=name, screening_status=status, client_category=category or C.UNSCREENED)
    return assert_ok(d.page.post("/fans/new/", data), 302)


def v1_create(d, name, status, category):
    body = {"name": name, "client_identifier": name, "screening_status": status}
    if category:
        body["client_category"] = category
    return assert_ok(send_json(d.v1, "post", "/api/v1/clients", body), 201)


def admin_add(d, name, status, category):
    data = admin_new_fan_form(d.creator, name=name, screening_status=status, client_category=category or C.UNSCREENED)
    return assert_ok(d.staff.post(admin_url(Fan, "add"), data), 302)


def assert_ok(response, status):
    assert_status(response, status)
    return response


EDIT_DOORS = {
    "page profile form": page_profile,
    "page screening decision": page_decision,
    "api v1 update": v1_update,
    "admin change form": admin_change,
    "admin action": admin_action,
}
CREATE_DOORS = {"page new fan form": page_new, "api v1 create": v1_create, "admin add form": admin_add}
NO_CATEGORY_DOORS = {"admin action"}

MATRIX = [
    *(
        (door, case)
        for door in EDIT_DOORS
        for case in CASES
        if door not in NO_CATEGORY_DOORS or CASES[case][1][1] is None
    ),
    *((door, case) for door in CREATE_DOORS for case in CASES if CASES[case][0] == (S.PENDING, C.UNSCREENED)),
]


@pytest.mark.parametrize(("door", "case"), MATRIX)
def test_the_screening_decision_is_the_same_through_every_door(doors, door, case):
    before, (status, category), after, decided = CASES[case]
    started = timezone.now()
    if door in CREATE_DOORS:
        name = f"Screened via {door}"
        CREATE_DOORS[door](doors, name, status, category)
        fan = fan_named(doors.creator, name)
    else:
        fan = FanFactory(
            creator=doors.creator, screening_status=before[0], client_category=before[1],
            screening_decided_at=EARLIER if not decided else None,
        )
        EDIT_DOORS[door](doors, fan, status, category)
        fan.refresh_from_db()

    assert (fan.screening_status, fan.client_category) == after
    if decided:
        assert fan.screening_decided_by == doors.actor(door)
        assert fan.screening_decided_at >= started
    else:
        assert fan.screening_decided_by is None and fan.screening_decided_at == EARLIER
