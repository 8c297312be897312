"""The log formats, no line twice, and no private data in any line of the whole output."""

import json
import logging
import sys

import pytest
from django.test import Client
from django.utils.log import configure_logging

from core.observability.logging import logging_config
from crm.models import Message
from tests.factories import DEFAULT_PASSWORD, ConversationFactory, FanFactory
from tests.screening import samples
from tests.webhooks.conftest import deliver, load

pytestmark = pytest.mark.once


def test_json_is_one_object_per_line_with_the_fields(captured_logs):
    logs = captured_logs("json", "INFO")
    logger = logging.getLogger("webhooks")
    logger.info("Webhook event %s processed", 7, extra={"event_id": 7, "outcome": "processed", "request": object()})
    try:
        raise ValueError("kaputt")
    except ValueError:
        logger.exception("It broke\non two lines")
    lines = logs.getvalue().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert set(first) == {"time", "level", "logger", "message", "request_id", "creator_id", "event_id", "outcome"}
    assert first["time"].endswith("Z") and first["level"] == "INFO" and first["logger"] == "webhooks"
    assert first["message"] == "Webhook event 7 processed"
    assert second["message"] == "It broke\non two lines" and "ValueError: kaputt" in second["exception"]


def test_plain_stays_readable(captured_logs):
    logs = captured_logs("plain", "INFO")
    logging.getLogger("crm.access").info("GET /fans/ 200 3.1ms", extra={"route": "fan_list"})
    line = logs.getvalue().strip()
    assert line.endswith("INFO crm.access [-] GET /fans/ 200 3.1ms")


def test_an_unknown_format_is_refused():
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        logging_config(log_format="xml", level="INFO")


def test_djangos_request_and_tasks_lines_are_written_once_even_under_debug(settings, capsys):
    """Django's defaults give the `django` logger its own console handler under DEBUG; with the
    root's handler too, each django.request and django.tasks line was written twice."""
    settings.DEBUG = True
    config = logging_config(log_format="plain", level="INFO")
    config["handlers"]["console"]["stream"] = sys.stdout
    try:
        configure_logging("logging.config.dictConfig", config)  # as django.setup() does
        logging.getLogger("django.request").warning("Not Found: /once")
        logging.getLogger("django.tasks").info("Task id=1 path=x state=SUCCESSFUL")
        logging.getLogger("django.server").info('"GET /?q=secret HTTP/1.1" 200 5')  # runserver's line
        out = capsys.readouterr()
    finally:
        logging.config.dictConfig(settings.LOGGING)
    everything = out.out + out.err
    assert everything.count("Not Found: /once") == 1
    assert everything.count("Task id=1 path=x state=SUCCESSFUL") == 1
    assert "q=secret" not in everything


# --- No private data, in any line -------------------------------------------------------------

EMAIL = "private.person@example.org"
PHONE = "+44 7700 900123"
NOTES = "Secret-note-about-allergies"
TEXT = "Intimate-message-body-text"
SCREENING = "Passport-number-X1234567"
SEARCH = "searchterm-zebra-quokka"
PASSWORD = "Hunter2-wrong-password"
CONTACT_TEXT = "Contact-form-message-body"
DM_TEXT = "Hi! Do you do customs?"  # the fixture's DM text


@pytest.mark.django_db
def test_no_private_data_reaches_any_log_line(creator, crm_client, v1_client, api_key, account, captured_logs, django_capture_on_commit_callbacks, caplog):
    logs = captured_logs("json", "DEBUG")
    fan = FanFactory(creator=creator)
    conversation = ConversationFactory(fan=fan)
    anon = Client()
    with django_capture_on_commit_callbacks(execute=True):
        # Both APIs: fans with contact data and notes, a message, notes, screening details.
        created = crm_client.post("/api/crm/fans", {"name": "N", "platform": "fansly", "platform_id": "p1", "email": EMAIL, "phone": PHONE, "notes": NOTES}, format="json")
        sent = crm_client.post(f"/api/crm/conversations/{conversation.pk}/messages", {"text": TEXT}, format="json")
        crm_client.get(f"/api/crm/fans?q={SEARCH}&email={EMAIL}")
        v1_client.post("/api/v1/clients", {"email": EMAIL, "phone": PHONE, "notes_encrypted": NOTES}, format="json")
        v1_client.put(f"/api/v1/notes/{fan.pk}", {"notes": NOTES}, format="json")
        method = v1_client.post(f"/api/v1/screening/{fan.pk}/methods", {"method_type": "id_verification", "details": SCREENING}, format="json")
        uploaded = v1_client.post(f"/api/v1/screening/{fan.pk}/files", {"file": samples.upload(f"{EMAIL}.pdf", samples.PDF)}, format="multipart")
        v1_client.get(f"/api/v1/clients?search={SEARCH}")
        # Refusals that quote nothing back: a bad email, a wrong password (twice: API and page),
        # a wrong API key, key generation with a wrong password.
        crm_client.post("/api/crm/fans", {"name": "N", "platform": "nowhere", "email": f"not-an-email {EMAIL}"}, format="json")
        anon.post("/api/auth/login", {"email": EMAIL, "password": PASSWORD}, content_type="application/json")
        anon.post("/auth/login", {"username": EMAIL, "password": PASSWORD})
        anon.get("/api/v1/clients", headers={"Authorization": f"Bearer pk_{PASSWORD}"})
        anon.post("/api/v1/auth/generate-key", {"model_slug": creator.slug, "password": PASSWORD}, content_type="application/json")
        # The public contact form, a webhook DM, and a signed-in page search.
        contact = anon.post("/api/contact/submit", {"model_id": creator.slug, "name": "Jordan", "email": EMAIL, "phone": PHONE,
                                          "subject": "Booking", "message": CONTACT_TEXT, "preferred_contact": "email",
                                          "consent_contact": True}, content_type="application/json")
        delivered = deliver(Client(), load("messaging"))
        page = Client()
        page.force_login(creator.user)
        page.get(f"/fans/?q={SEARCH}")
        page.get(f"/inbox/?q={SEARCH}")
        anon.post("/api/auth/login", {"email": creator.user.email, "password": DEFAULT_PASSWORD}, content_type="application/json")

    statuses = [r.status_code for r in (created, sent, method, uploaded, contact, delivered)]
    assert statuses == [201, 201, 201, 201, 200, 200], (statuses, created.content, contact.content)  # the private data went in
    assert Message.objects.filter(text=DM_TEXT).exists()
    output = logs.getvalue() + caplog.text
    lines = logs.getvalue().splitlines()
    assert len(lines) > 20  # the requests were logged…
    assert all(json.loads(line) for line in lines)  # …one JSON object per line
    secrets = [EMAIL, PHONE, NOTES, TEXT, SCREENING, SEARCH, PASSWORD, CONTACT_TEXT, DM_TEXT, DEFAULT_PASSWORD,
               api_key.raw_key, crm_client.cookies["access_token"].value, creator.user.email,
               EMAIL.split("@")[0]]
    leaked = [secret for secret in secrets if secret in output]
    assert not leaked, [line for line in output.splitlines() if any(s in line for s in leaked)]
