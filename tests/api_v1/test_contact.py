"""POST /api/contact/submit and the crm.contact service behind it."""

import pytest
from rest_framework.test import APIClient

from core.crypto import email_hash
from crm.choices import Direction, Platform
from crm.contact import contact_submit
from crm.models import Conversation, Fan, Message
from tests.factories import FanFactory
from tests.helpers import assert_status, assert_v1_error

pytestmark = pytest.mark.django_db

URL = "/api/contact/submit"


def submission(creator, **overrides):
    payload = {
        "model_id": creator.slug,
        "name": "Jordan Lee",
        "email": "Jordan.Lee@example.com",
        "phone": "+1 555 0100",
        "subject": "Booking enquiry",
        "message": "Hello, I would like to ask about availability next week.",
        "preferred_contact": "email",
        "consent_contact": True,
    }
    payload.update(overrides)
    return {k: v for k, v in payload.items() if v is not ...}


def test_valid_submission_creates_a_direct_fan_conversation_and_message(anon_client, creator):
    data = assert_status(anon_client.post(URL, submission(creator), format="json"), 200)
    assert data["success"] is True and isinstance(data["message"], str) and data["message"]
    conversation = Conversation.objects.get(pk=data["conversation_id"])
    fan = conversation.fan
    assert fan.creator == creator and fan.platform == Platform.DIRECT and fan.platform_id is None
    assert fan.name == "Jordan Lee" and fan.email_hash == email_hash("jordan.lee@example.com")
    assert conversation.platform == Platform.DIRECT and conversation.subject == "Booking enquiry"
    (message,) = Message.objects.filter(conversation=conversation)
    assert message.direction == Direction.INCOMING and message.text.startswith("Hello, I would like")
    assert conversation.unread_count == 1


def test_second_submission_reuses_the_fan_and_the_open_conversation(anon_client, creator):
    first = anon_client.post(URL, submission(creator), format="json").json()
    second = anon_client.post(
        URL, submission(creator, email="  JORDAN.lee@EXAMPLE.com", subject=...), format="json"
    ).json()
    assert first["conversation_id"] == second["conversation_id"]
    assert Fan.objects.filter(creator=creator).count() == 1
    assert Message.objects.filter(conversation_id=first["conversation_id"]).count() == 2


def test_existing_fan_is_matched_by_email_hash(anon_client, creator):
    fan = FanFactory(creator=creator, email="jordan.lee@example.com")
    fan.email_hash = email_hash("jordan.lee@example.com")
    fan.save()
    data = anon_client.post(URL, submission(creator), format="json").json()
    assert Conversation.objects.get(pk=data["conversation_id"]).fan == fan
    assert Fan.objects.filter(creator=creator).count() == 1


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"model_id": ...}, "model_id"),
        ({"model_id": "no-such-creator"}, "model_id"),
        ({"name": "J"}, "name"),
        ({"name": "x" * 256}, "name"),
        ({"email": "not-an-email"}, "email"),
        ({"email": ...}, "email"),
        ({"phone": "call me maybe"}, "phone"),
        ({"subject": "Hi"}, "subject"),
        ({"subject": "x" * 256}, "subject"),
        ({"message": "too short"}, "message"),
        ({"message": "x" * 5001}, "message"),
        ({"preferred_contact": "fax"}, "preferred_contact"),
        ({"preferred_contact": "phone", "phone": ""}, "phone"),
        ({"consent_contact": False}, "consent_contact"),
        ({"consent_contact": ...}, "consent_contact"),
        ({"name": ["Jordan"]}, "name"),
        ({"message": {"text": "Hello there, friend"}}, "message"),
    ],
)
def test_validation_failures(anon_client, creator, overrides, field):
    response = anon_client.post(URL, submission(creator, **overrides), format="json")
    data = assert_v1_error(response, 400, "Validation failed")
    assert isinstance(data["details"], list) and data["details"]
    assert all(set(d) == {"field", "message"} and isinstance(d["message"], str) for d in data["details"])
    assert field in {d["field"] for d in data["details"]}
    assert not Message.objects.exists()


def test_optional_fields_may_be_left_out(anon_client, creator):
    payload = submission(creator, phone=..., subject=..., preferred_contact=...)
    data = assert_status(anon_client.post(URL, payload, format="json"), 200)
    assert Conversation.objects.get(pk=data["conversation_id"]).subject == ""


@pytest.mark.parametrize("honeypot", ["website", "company"])
def test_filled_honeypot_is_refused_and_stores_nothing(anon_client, creator, honeypot):
    response = anon_client.post(URL, submission(creator, **{honeypot: "http://spam.example"}), format="json")
    data = assert_v1_error(response, 400)
    assert honeypot not in str(data)
    assert not Fan.objects.exists() and not Message.objects.exists()


def test_five_submissions_per_address_then_429(anon_client, creator):
    for i in range(5):
        # Invalid submissions count too: the budget is per address, not per success.
        payload = submission(creator) if i % 2 else submission(creator, name="J")
        response = anon_client.post(URL, payload, format="json")
        assert response.status_code in (200, 400)
        assert response["X-RateLimit-Limit"] == "5"
    refused = anon_client.post(URL, submission(creator), format="json")
    assert_v1_error(refused, 429, "Rate limit exceeded")
    assert int(refused["Retry-After"]) > 0
    assert_status(APIClient(REMOTE_ADDR="10.1.2.3").post(URL, submission(creator), format="json"), 200)


def test_form_posts_are_accepted_too(anon_client, creator):
    payload = submission(creator, consent_contact="on")
    assert_status(anon_client.post(URL, payload), 200)


def test_malformed_json_and_wrong_method(anon_client):
    assert_v1_error(anon_client.post(URL, data="{", content_type="application/json"), 400, "Invalid JSON")
    assert_v1_error(anon_client.get(URL), 405, "Method not allowed")


def test_service_interface_for_the_contact_page(creator):
    """The /c/<slug>/ page calls the same service with the form's data (a QueryDict works too)."""
    result = contact_submit(data=submission(creator, consent_contact="on"))
    assert result.accepted and not result.spam and result.errors == []
    assert result.fan_created and result.conversation.fan == result.fan and result.message.text
    invalid = contact_submit(data=submission(creator, email="nope"))
    assert not invalid.accepted and invalid.form is not None and invalid.form.errors["email"]
    spam = contact_submit(data=submission(creator, website="x"))
    assert spam.spam and not spam.accepted
