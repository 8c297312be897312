"""Consent and do-not-contact: the contact form stores the consent it asks, a STOP reply marks the
fan, the inbox asks before sending to such a fan, both APIs expose (and set) the fields."""

import pytest

from crm import services
from crm.choices import ConsentSource, Direction
from crm.contact import contact_submit
from crm.models import Fan, Message
from tests.crm.test_contact import submission
from tests.factories import ConversationFactory, FanFactory
from tests.helpers import assert_status, send_json

pytestmark = pytest.mark.django_db


def test_the_contact_form_stores_the_consent_it_asked(creator):
    result = contact_submit(data=submission(creator))
    assert result.accepted
    fan = Fan.objects.get()
    assert fan.consent_source == ConsentSource.CONTACT_FORM
    assert fan.consent_text == "I agree to be contacted about my enquiry" and fan.consent_at is not None


@pytest.mark.parametrize("text", ["STOP", " stop! ", "Unsubscribe", "QUIT."])
def test_a_stop_reply_marks_the_fan_do_not_contact(creator, text):
    conversation = ConversationFactory(creator=creator)
    services.message_add(conversation=conversation, direction=Direction.INCOMING, text=text)
    fan = Fan.objects.get(pk=conversation.fan_id)
    assert fan.do_not_contact and fan.do_not_contact_reason.startswith("Replied “") and fan.do_not_contact_at


@pytest.mark.parametrize("text", ["Please don't stop!", "stop by later?", "stopping"])
def test_other_messages_do_not(creator, text):
    conversation = ConversationFactory(creator=creator)
    services.message_add(conversation=conversation, direction=Direction.INCOMING, text=text)
    assert not Fan.objects.get(pk=conversation.fan_id).do_not_contact


def test_the_keywords_are_configurable_and_outgoing_stop_is_nothing(creator, settings):
    settings.DO_NOT_CONTACT_KEYWORDS = ["basta"]
    conversation = ConversationFactory(creator=creator)
    services.message_add(conversation=conversation, direction=Direction.INCOMING, text="STOP")
    services.message_add(conversation=conversation, direction=Direction.OUTGOING, text="basta")
    assert not Fan.objects.get(pk=conversation.fan_id).do_not_contact
    services.message_add(conversation=conversation, direction=Direction.INCOMING, text="Basta")
    assert Fan.objects.get(pk=conversation.fan_id).do_not_contact


def test_an_instagram_stop_dm_marks_the_fan(creator):
    from tests.factories import PlatformAccountFactory
    from tests.webhooks.conftest import ACCOUNT_ID, load, process, store

    PlatformAccountFactory(creator=creator, external_account_id=ACCOUNT_ID)
    data = load("messaging")
    data["entry"][0]["messaging"][0]["message"]["text"] = "STOP"
    process(store(data)[0])
    assert Fan.objects.get().do_not_contact


# --- Pages ---------------------------------------------------------------------------------


@pytest.fixture
def dnc_conversation(page_client):
    fan = FanFactory(creator=page_client.creator, name="Dana")
    services.fan_do_not_contact(fan=fan, do_not_contact=True, reason="Asked by email")
    return ConversationFactory(creator=page_client.creator, fan=fan)


def test_the_inbox_flags_the_fan_and_asks_before_sending(page_client, dnc_conversation):
    assert "Do not contact" in page_client.get("/inbox/").content.decode()
    thread = page_client.get(f"/inbox/{dnc_conversation.pk}/").content.decode()
    assert "Do not contact.</strong> Asked by email" in thread and "Send anyway" in thread
    response = page_client.post(f"/inbox/{dnc_conversation.pk}/send", {"text": "Hello again"})
    assert_status(response, 400)
    assert "asked not to be contacted" in response.content.decode()
    assert not Message.objects.exists()
    response = page_client.post(f"/inbox/{dnc_conversation.pk}/send", {"text": "Hello again", "send_anyway": "on"})
    assert response.status_code == 302 and Message.objects.count() == 1


def test_a_fan_without_the_flag_is_not_asked(page_client):
    conversation = ConversationFactory(creator=page_client.creator)
    assert "Send anyway" not in page_client.get(f"/inbox/{conversation.pk}/").content.decode()


def test_the_fan_page_sets_and_clears_the_flag_and_shows_consent(page_client):
    fan = FanFactory(creator=page_client.creator)
    services.fan_consent_record(fan=fan, source=ConsentSource.MANUAL, text="Said yes on the phone")
    page = page_client.get(f"/fans/{fan.pk}/").content.decode()
    assert "Said yes on the phone" in page and "No consent recorded" not in page
    page_client.post(f"/fans/{fan.pk}/do-not-contact", {"do_not_contact": "on", "reason": "Moved away"})
    fan.refresh_from_db()
    assert fan.do_not_contact and fan.do_not_contact_reason == "Moved away"
    page_client.post(f"/fans/{fan.pk}/do-not-contact", {"reason": ""})
    fan.refresh_from_db()
    assert (fan.do_not_contact, fan.do_not_contact_reason, fan.do_not_contact_at) == (False, "", None)


def test_another_creators_fan_is_404(page_client, other_creator):
    theirs = FanFactory(creator=other_creator)
    assert page_client.post(f"/fans/{theirs.pk}/do-not-contact", {"do_not_contact": "on"}).status_code == 404


# --- APIs ----------------------------------------------------------------------------------


def test_both_apis_expose_and_set_the_fields(crm_client, v1_client, creator):
    fan = FanFactory(creator=creator)
    services.fan_consent_record(fan=fan, source=ConsentSource.API, text="Opted in via our app")
    data = assert_status(crm_client.get(f"/api/crm/fans/{fan.pk}"), 200)["fan"]
    assert (data["consent_source"], data["consent_text"], data["do_not_contact"]) == ("api", "Opted in via our app", False)
    assert data["consent_at"].endswith("Z")

    data = assert_status(send_json(crm_client, "patch", f"/api/crm/fans/{fan.pk}", {"do_not_contact": True, "do_not_contact_reason": "Asked"}), 200)["fan"]
    assert (data["do_not_contact"], data["do_not_contact_reason"]) == (True, "Asked")

    client = assert_status(v1_client.get(f"/api/v1/clients/{fan.pk}"), 200)["data"]
    assert (client["do_not_contact"], client["do_not_contact_reason"], client["consent_source"]) == (True, "Asked", "api")
    client = assert_status(send_json(v1_client, "put", f"/api/v1/clients/{fan.pk}", {"do_not_contact": False}), 200)["data"]
    assert client["do_not_contact"] is False and client["do_not_contact_at"] is None
    listed = assert_status(v1_client.get("/api/v1/clients"), 200)["data"][0]
    assert "do_not_contact" in listed and "consent_text" in listed


def test_a_wrong_type_is_a_400(crm_client, v1_client, creator):
    fan = FanFactory(creator=creator)
    assert_status(send_json(crm_client, "patch", f"/api/crm/fans/{fan.pk}", {"do_not_contact": "yes"}), 400)
    assert_status(send_json(v1_client, "put", f"/api/v1/clients/{fan.pk}", {"do_not_contact": "yes"}), 400)
