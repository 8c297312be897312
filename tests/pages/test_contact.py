import pytest

from crm.models import Fan, Message
from tests.factories import CreatorFactory
from tests.helpers import assert_status

pytestmark = pytest.mark.django_db

VALID = {
    "name": "Riley Fan",
    "email": "riley@example.com",
    "phone": "+1 555 0100",
    "subject": "Booking",
    "message": "Hello, I would like to book a session next week.",
    "preferred_contact": "email",
    "consent_contact": "on",
}


def test_contact_page_renders_without_login(client, creator):
    response = client.get(f"/c/{creator.slug}/")
    assert_status(response, 200)
    body = response.content.decode()
    assert 'name="website"' in body and 'name="company"' in body and 'name="message"' in body


@pytest.mark.parametrize("slug", ["no-such-creator", "UNKNOWN"])
def test_unknown_slug_is_404(client, slug):
    assert client.get(f"/c/{slug}/").status_code == 404
    assert client.post(f"/c/{slug}/", VALID).status_code == 404
    assert not Fan.objects.exists()


def test_inactive_creator_is_404(client):
    creator = CreatorFactory(user__is_active=False)
    assert client.get(f"/c/{creator.slug}/").status_code == 404


def test_submit_creates_fan_and_incoming_message(client, creator):
    response = client.post(f"/c/{creator.slug}/", VALID, follow=True)
    assert_status(response, 200)
    assert "Thank you! Your message has been sent." in response.content.decode()
    fan = Fan.objects.get(creator=creator)
    assert fan.platform == "direct" and fan.email == "riley@example.com"
    message = Message.objects.get(fan=fan)
    assert message.direction == "in" and "book a session" in message.text
    assert message.conversation.unread_count == 1


def test_body_cannot_pick_another_creator(client, creator, other_creator):
    client.post(f"/c/{creator.slug}/", {**VALID, "model_id": other_creator.slug})
    assert Fan.objects.get().creator == creator


@pytest.mark.parametrize(
    "change, field",
    [
        ({"email": "nope"}, "email"),
        ({"message": "short"}, "message"),
        ({"name": "R"}, "name"),
        ({"consent_contact": ""}, "consent_contact"),
        ({"preferred_contact": "phone", "phone": ""}, "phone"),
    ],
)
def test_invalid_submission_rerenders_with_field_errors(client, creator, change, field):
    response = client.post(f"/c/{creator.slug}/", {**VALID, **change})
    assert_status(response, 400)
    assert field in response.context["form"].errors
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not Message.objects.exists()


@pytest.mark.parametrize("trap", ["website", "company"])
def test_honeypot_stores_nothing_and_says_thanks(client, creator, trap):
    response = client.post(f"/c/{creator.slug}/", {**VALID, trap: "http://spam.example"}, follow=True)
    assert_status(response, 200)
    assert "Thank you!" in response.content.decode()
    assert not Fan.objects.exists() and not Message.objects.exists()


def test_rate_limit_is_shared_with_the_api(client, creator):
    from core.api.errors import V1  # noqa: F401 - the API surface is installed

    for _ in range(5):
        assert client.post(f"/c/{creator.slug}/", VALID).status_code == 302
    # The same address's next submission, by page or by API, is refused.
    response = client.post(f"/c/{creator.slug}/", VALID)
    assert_status(response, 429)
    assert int(response["Retry-After"]) >= 1
    api = client.post("/api/contact/submit", {**VALID, "model_id": creator.slug, "consent_contact": True}, content_type="application/json")
    assert api.status_code == 429
    assert Message.objects.count() == 5
