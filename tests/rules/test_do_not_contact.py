"""Do-not-contact, through every entry point that sets or clears it.

The rule (crm.services.fan_do_not_contact): setting records the reason (a default when none is
given) and the time; clearing forgets both. An incoming message that is exactly a STOP keyword
sets it with the reason "Replied “STOP”" (crm.services.message_add), through every way in.

| entry point                 | request                                                  |
|-----------------------------|----------------------------------------------------------|
| page: fan page              | POST /fans/<id>/do-not-contact                           |
| /api/crm: change fan        | PATCH /api/crm/fans/<id> `do_not_contact`                |
| /api/v1: change client      | PUT /api/v1/clients/<id> `do_not_contact`                |
| STOP via the APIs           | none: the APIs write outgoing messages only              |
| STOP: contact form, webhook | `tests/crm/test_consent.py` (webhook DM, message_add)    |
| admin, management commands  | none                                                     |
"""

import pytest

from crm.models import Fan
from tests.factories import FanFactory
from tests.helpers import assert_status, send_json

pytestmark = pytest.mark.django_db


def page(d, fan, on, reason):
    data = {"reason": reason, **({"do_not_contact": "on"} if on else {})}
    return d.page.post(f"/fans/{fan.pk}/do-not-contact", data), 302


def crm_patch(d, fan, on, reason):
    return send_json(d.crm, "patch", f"/api/crm/fans/{fan.pk}", {"do_not_contact": on, "do_not_contact_reason": reason}), 200


def v1_put(d, fan, on, reason):
    return send_json(d.v1, "put", f"/api/v1/clients/{fan.pk}", {"do_not_contact": on, "do_not_contact_reason": reason}), 200


DOORS = {"fan page": page, "api crm change fan": crm_patch, "api v1 change client": v1_put}


@pytest.mark.parametrize("door", DOORS)
def test_set_and_clear_are_the_same_through_every_door(doors, door):
    fan = FanFactory(creator=doors.creator)
    response, ok = DOORS[door](doors, fan, True, "")
    assert_status(response, ok)
    fan = Fan.objects.get(pk=fan.pk)
    assert (fan.do_not_contact, fan.do_not_contact_reason) == (True, "Marked by the creator") and fan.do_not_contact_at
    since = fan.do_not_contact_at
    response, ok = DOORS[door](doors, fan, True, "Asked twice")
    fan = Fan.objects.get(pk=fan.pk)
    assert (fan.do_not_contact_reason, fan.do_not_contact_at) == ("Asked twice", since)  # the time stays
    response, ok = DOORS[door](doors, fan, False, "ignored")
    assert_status(response, ok)
    fan = Fan.objects.get(pk=fan.pk)
    assert (fan.do_not_contact, fan.do_not_contact_reason, fan.do_not_contact_at) == (False, "", None)
