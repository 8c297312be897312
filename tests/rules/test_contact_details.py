"""A fan's email and phone, through every entry point that writes them.

The rule (crm.validators, applied by crm.services to every write, and by the forms as field
errors): an email Django's EmailValidator accepts, at most 254 characters; a phone of digits and
`+ ()-.` with at least five digits, at most 32 characters; both trimmed; hashed for matching. A
value equal to the stored one is no edit: a row that already holds a value the rule now refuses
keeps it until that field is changed. Each surface refuses in its own format.

| entry point                  | request                          | a refusal is                         |
|------------------------------|----------------------------------|--------------------------------------|
| page: new fan form           | POST /fans/new/                  | 400, field error                     |
| page: profile form           | POST /fans/<id>/edit             | 400, field error                     |
| page: public contact form    | POST /c/<slug>/                  | 400, field error                     |
| /api/contact/submit          | POST, JSON                       | 400, `details` [{field, message}]    |
| /api/v1: create client       | POST /api/v1/clients             | 400 `Invalid phone` / `Invalid email`|
| /api/v1: update client       | PUT /api/v1/clients/<id>         | 400 `Invalid phone` / `Invalid email`|
| admin: fan add form          | POST /admin/crm/fan/add/         | 200, field error                     |
| admin: fan change form       | POST /admin/crm/fan/<id>/change/ | 200, field error                     |
| /api/crm, management commands| none: no email or phone field    |                                      |

Cases: an invalid phone and an invalid email are refused and nothing is stored; a valid pair is
stored trimmed with its hashes; (edit doors) a stored value the rule refuses survives an edit that
leaves it unchanged.
"""

import pytest

from core import crypto
from crm.models import Fan
from crm.validators import INVALID_EMAIL, INVALID_PHONE
from tests.factories import FanFactory
from tests.helpers import admin_fan_form, admin_url, assert_status, assert_v1_error, json_body, send_json

from .conftest import admin_new_fan_form, fan_named, new_fan_form, profile_form

pytestmark = pytest.mark.django_db

BAD = {"phone": ("call me maybe", INVALID_PHONE), "email": ("not-an-email", INVALID_EMAIL)}
GOOD = {"email": "  Ann.Lee@Example.com ", "phone": " +1 (555) 010-0200 "}
STORED = {"email": "Ann.Lee@Example.com", "phone": "+1 (555) 010-0200"}
LEGACY = "call me maybe"


def contact_body(creator, name, **contact) -> dict:
    return {
        "model_id": creator.slug, "name": name, "email": "visitor@example.com",
        "message": "I would like to book a session.", "consent_contact": True, **contact,
    }


# --- Doors: write(doors, fan or None, name, values) -> response; refused(response, field, message)


def page_new(d, fan, name, values):
    return d.page.post("/fans/new/", new_fan_form(name=name, **values))


def page_profile(d, fan, name, values):
    return d.page.post(f"/fans/{fan.pk}/edit", profile_form(fan, name=name, **values))


def contact_page(d, fan, name, values):
    body = contact_body(d.creator, name, **values)
    body["consent_contact"] = "on"
    return d.anon.post(f"/c/{d.creator.slug}/", body)


def contact_api(d, fan, name, values):
    return send_json(d.anon, "post", "/api/contact/submit", contact_body(d.creator, name, **values))


def v1_create(d, fan, name, values):
    return send_json(d.v1, "post", "/api/v1/clients", {"name": name, **values})


def v1_update(d, fan, name, values):
    return send_json(d.v1, "put", f"/api/v1/clients/{fan.pk}", {"name": name, **values})


def admin_add(d, fan, name, values):
    return d.staff.post(admin_url(Fan, "add"), admin_new_fan_form(d.creator, name=name, **values))


def admin_change(d, fan, name, values):
    return d.staff.post(admin_url(Fan, "change", fan.pk), admin_fan_form(fan, name=name, **values))


def form_refused(form_key, status):
    def check(response, field, message):
        assert_status(response, status)
        assert response.context[form_key].errors[field] == [message]

    return check


def admin_refused(response, field, message):
    assert_status(response, 200)
    assert response.context["adminform"].form.errors[field] == [message]


def contact_api_refused(response, field, message):
    assert_status(response, 400)
    data = json_body(response)
    assert data["error"] == "Validation failed" and {"field": field, "message": message} in data["details"]


def v1_refused(response, field, message):
    assert_v1_error(response, 400, f"Invalid {field}")


# door: (write, refused, accepted status, creates the fan)
DOORS = {
    "page new fan form": (page_new, form_refused("form", 400), 302, True),
    "page profile form": (page_profile, form_refused("profile_form", 400), 302, False),
    "page contact form": (contact_page, form_refused("form", 400), 302, True),
    "api contact submit": (contact_api, contact_api_refused, 200, True),
    "api v1 create": (v1_create, v1_refused, 201, True),
    "api v1 update": (v1_update, v1_refused, 200, False),
    "admin add form": (admin_add, admin_refused, 302, True),
    "admin change form": (admin_change, admin_refused, 302, False),
}
# The contact form always sends an email; its phone is the only optional detail it can leave out.
CASES = ["invalid phone", "invalid email", "valid", "stored value left unchanged"]
MATRIX = [
    (door, case)
    for door, (_w, _r, _s, creates) in DOORS.items()
    for case in CASES
    if not (creates and case == "stored value left unchanged")
]


@pytest.mark.parametrize(("door", "case"), MATRIX)
def test_email_and_phone_follow_one_rule_through_every_door(doors, door, case):
    write, refused, ok, creates = DOORS[door]
    name = f"Contact via {door}"
    fan = None if creates else FanFactory(creator=doors.creator, email="old@example.com", phone="+1 555 0100")

    if case.startswith("invalid"):
        field = case.removeprefix("invalid ")
        value, message = BAD[field]
        refused(write(doors, fan, name, {field: value}), field, message)
        if creates:
            assert fan_named(doors.creator, name) is None
        else:
            fan.refresh_from_db()
            assert (fan.email, fan.phone) == ("old@example.com", "+1 555 0100") and fan.name != name

    elif case == "valid":
        assert_status(write(doors, fan, name, GOOD), ok)
        stored = fan_named(doors.creator, name)
        assert (stored.email, stored.phone) == (STORED["email"], STORED["phone"])
        assert stored.email_hash == crypto.email_hash("ann.lee@example.com")
        assert stored.phone_hash == crypto.phone_hash("+15550100200")

    else:  # a row written before the rule (straight to the table) keeps its value
        Fan.objects.filter(pk=fan.pk).update(phone=LEGACY)
        fan.refresh_from_db()
        values = {"phone": LEGACY} if door.startswith("api v1") else {}
        assert_status(write(doors, fan, name, values), ok)
        fan.refresh_from_db()
        assert (fan.name, fan.phone) == (name, LEGACY)
