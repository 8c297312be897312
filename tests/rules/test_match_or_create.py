"""Finding a fan by email or phone: match-or-create, and the contact search of every list.

Match-or-create (crm.services.fan_match_or_create): the creator's oldest fan with this email
(any case), else with this phone (any punctuation); a matched fan gains the email or phone it
lacked and keeps everything else; otherwise a new `direct` fan. Under the creator's lock.

| entry point               | request                       | matched / created           |
|---------------------------|-------------------------------|-----------------------------|
| /api/v1: create client    | POST /api/v1/clients          | 200 `created: false` / 201  |
| /api/contact/submit       | POST, JSON                    | 200 (the thread is the fan's) |
| page: public contact form | POST /c/<slug>/               | 302                         |
| pages, /api/crm, admin    | none: they always create (a platform fan has its platform id) |

Contact search (crm.filters.private_contact_match): a search term that is an email or a phone by
the rule of crm.validators matches the encrypted column's keyed hash, exactly.

| entry point        | request                        |
|--------------------|--------------------------------|
| page: fans list    | GET /fans/?q=                  |
| /api/crm: fans     | GET /api/crm/fans?q=           |
| /api/v1: clients   | GET /api/v1/clients?search=    |
| admin: fans        | GET /admin/crm/fan/?q=         |
"""

import pytest

from crm import services
from crm.choices import Platform
from crm.models import Fan
from tests.factories import FanFactory
from tests.helpers import admin_url, assert_status, json_body, send_json

pytestmark = pytest.mark.django_db

KNOWN_EMAIL, KNOWN_PHONE = "ann.lee@example.com", "+1 555 010 0200"


def v1_create(d, email, phone):
    body = {"email": email, **({"phone": phone} if phone else {})}
    response = send_json(d.v1, "post", "/api/v1/clients", body)
    return response, {True: 201, False: 200}


def contact_api(d, email, phone):
    body = {
        "model_id": d.creator.slug, "name": "Ann Lee", "email": email, "phone": phone or "",
        "message": "I would like to book a session.", "consent_contact": True,
    }
    return send_json(d.anon, "post", "/api/contact/submit", body), {True: 200, False: 200}


def contact_page(d, email, phone):
    body = {
        "name": "Ann Lee", "email": email, "phone": phone or "", "message": "I would like to book a session.",
        "consent_contact": "on",
    }
    return d.anon.post(f"/c/{d.creator.slug}/", body), {True: 302, False: 302}


DOORS = {"api v1 create": v1_create, "api contact submit": contact_api, "page contact form": contact_page}

# case: (the existing fan's email, phone; the request's email, phone; matched?; stored email, phone)
CASES = {
    "same email, other case": (KNOWN_EMAIL, "", "ANN.LEE@Example.com", "+1 555 010 0200", True, KNOWN_EMAIL, "+1 555 010 0200"),
    "new email, known phone": (KNOWN_EMAIL, KNOWN_PHONE, "other@example.com", "+1 (555) 010-0200", True, KNOWN_EMAIL, KNOWN_PHONE),
    "known phone, fan without email": ("", KNOWN_PHONE, "new@example.com", "+1-555-010-0200", True, "new@example.com", KNOWN_PHONE),
    "nobody known": (KNOWN_EMAIL, KNOWN_PHONE, "new@example.com", "+44 20 7946 0958", False, "new@example.com", "+44 20 7946 0958"),
}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("door", DOORS)
def test_match_or_create_is_the_same_through_every_door(doors, door, case):
    email, phone, sent_email, sent_phone, matched, stored_email, stored_phone = CASES[case]
    existing = FanFactory(creator=doors.creator, platform=Platform.DIRECT, platform_id=None, name="Known")
    services.fan_update(fan=existing, email=email, phone=phone)
    before = Fan.objects.filter(creator=doors.creator).count()

    response, statuses = DOORS[door](doors, sent_email, sent_phone)
    assert_status(response, statuses[not matched])

    fans = Fan.objects.filter(creator=doors.creator)
    assert fans.count() == before + (0 if matched else 1)
    fan = existing if matched else fans.exclude(pk=existing.pk).get()
    fan.refresh_from_db()
    assert (fan.email, fan.phone) == (stored_email, stored_phone)
    assert fan.platform == Platform.DIRECT
    if matched:
        assert fan.name == "Known"  # a match changes nothing but the missing details
    if door == "api v1 create":
        assert json_body(response)["data"]["id"] == fan.pk


# --- The contact search ----------------------------------------------------------------------


def page_list(d, term):
    response = d.page.get("/fans/", {"q": term})
    assert_status(response, 200)
    return [fan.pk for fan in response.context["page"].rows]


def crm_list(d, term):
    return [row["id"] for row in assert_status(d.crm.get("/api/crm/fans", {"q": term}), 200)["fans"]]


def v1_list(d, term):
    return [row["id"] for row in assert_status(d.v1.get("/api/v1/clients", {"search": term}), 200)["data"]]


def admin_list(d, term):
    response = d.staff.get(admin_url(Fan), {"q": term})
    assert_status(response, 200)
    return [fan.pk for fan in response.context["cl"].result_list]


SEARCHES = {"page fans list": page_list, "api crm fans": crm_list, "api v1 clients": v1_list, "admin fans": admin_list}
TERMS = {"email, other case": "ANN.LEE@example.COM", "phone, other punctuation": "+1 (555) 010-0200"}


@pytest.mark.parametrize("term", TERMS)
@pytest.mark.parametrize("door", SEARCHES)
def test_every_list_finds_a_fan_by_exact_email_or_phone(doors, door, term):
    wanted = FanFactory(creator=doors.creator, name="Hidden")
    services.fan_update(fan=wanted, email=KNOWN_EMAIL, phone=KNOWN_PHONE)
    FanFactory(creator=doors.creator, name="Other")
    assert SEARCHES[door](doors, TERMS[term]) == [wanted.pk]
