"""X-Request-ID on every response; a forged one is replaced; the id reaches logs and tasks."""

import json
import uuid

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult

from core.observability.context import accept_request_id, bound, valid_request_id
from crm.models import Message
from tests.webhooks.conftest import deliver, load, store
from webhooks import tasks
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.once


def is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False


@pytest.mark.django_db
@pytest.mark.parametrize(
    "method,path",
    [
        ("get", "/auth/login"),  # a page
        ("get", "/fans/"),  # a page that redirects to the login
        ("get", "/api/crm/fans"),  # seed 000, 401
        ("get", "/api/v1/clients"),  # seed 002, 401
        ("get", "/api/crm/nowhere"),  # an API route that does not exist
        ("get", "/admin/"),  # the admin (redirect to its login)
        ("post", "/api/webhooks/instagram"),  # a webhook with no signature, 401
        ("get", "/nowhere"),  # the site's 404
        ("get", "/healthz"),
        ("get", "/live/healthz"),
    ],
)
def test_every_response_carries_a_request_id(method, path):
    response = getattr(Client(), method)(path)
    assert is_uuid(response["X-Request-ID"]), (path, response.status_code)


@pytest.mark.django_db
def test_an_oversized_body_refused_by_middleware_has_one_too(anon_client, settings):
    response = anon_client.generic(
        "POST", "/api/crm/fans", b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1), content_type="application/json"
    )
    assert response.status_code == 413
    assert is_uuid(response["X-Request-ID"])


@pytest.mark.django_db
def test_an_unexpected_error_has_one_too(crm_client, monkeypatch):
    from crm.api.jwt import views

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views.FanListView, "get", explode)
    response = crm_client.get("/api/crm/fans")
    assert response.status_code == 500
    assert is_uuid(response["X-Request-ID"])


@pytest.mark.django_db
@pytest.mark.parametrize("given", ["abc-123", "x" * 128, "req_01H!~", "a"])
def test_a_valid_incoming_id_is_kept(given):
    assert Client().get("/healthz", headers={"X-Request-ID": given})["X-Request-ID"] == given


@pytest.mark.django_db
@pytest.mark.parametrize(
    "forged",
    [
        "x" * 129,  # too long
        "",  # empty
        "has space",
        "tab\there",
        "nul\x00byte",
        "bell\x07",
        "del\x7f",
        "café",  # not ASCII
        "abc\r\nSet-Cookie: session=stolen",  # header injection
        "abc\nX-Admin: 1",
    ],
)
def test_a_forged_incoming_id_is_replaced_never_echoed(forged):
    response = Client().get("/healthz", HTTP_X_REQUEST_ID=forged)
    assert is_uuid(response["X-Request-ID"])
    assert response["X-Request-ID"] != forged


def test_accept_request_id_rules():
    assert valid_request_id("a" * 128) and not valid_request_id("a" * 129)
    assert not valid_request_id(None) and not valid_request_id(12)
    assert is_uuid(accept_request_id("\x00"))


@pytest.mark.django_db
def test_the_id_and_the_creator_are_on_every_line_of_the_request(crm_client, captured_logs):
    logs = captured_logs()
    response = crm_client.get("/api/crm/fans", headers={"X-Request-ID": "trace-me-1"})
    assert response.status_code == 200
    lines = [json.loads(line) for line in logs.getvalue().splitlines()]
    access = [line for line in lines if line["logger"] == "crm.access"]
    assert access and access[-1]["request_id"] == "trace-me-1"
    assert access[-1]["creator_id"] == crm_client.creator.pk
    assert (access[-1]["route"], access[-1]["path"], access[-1]["status"], access[-1]["method"]) == (
        "api-crm-fans",
        "/api/crm/fans",
        200,
        "GET",
    )
    assert isinstance(access[-1]["duration_ms"], float) and access[-1]["db_queries"] >= 1


@pytest.mark.django_db
def test_djangos_own_line_written_after_the_middleware_carries_the_id(captured_logs):
    logs = captured_logs()
    Client().get("/nowhere", headers={"X-Request-ID": "trace-404"})
    lines = [json.loads(line) for line in logs.getvalue().splitlines()]
    not_found = [line for line in lines if line["logger"] == "django.request"]
    assert [line["request_id"] for line in not_found] == ["trace-404"]


@pytest.mark.django_db
def test_a_delivery_is_followed_from_intake_to_the_message_it_created(account, captured_logs, django_capture_on_commit_callbacks):
    logs = captured_logs()
    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(Client(headers={"X-Request-ID": "delivery-42"}), load("messaging"))
    assert response.status_code == 200 and response["X-Request-ID"] == "delivery-42"
    event = WebhookEvent.objects.get()
    assert event.request_id == "delivery-42"
    lines = [json.loads(line) for line in logs.getvalue().splitlines()]
    ours = [line for line in lines if line["request_id"] == "delivery-42"]
    messages = [line["message"] for line in ours]
    assert f"Webhook event {event.pk} claimed, attempt 1" in messages
    assert f"Webhook event {event.pk} processed" in messages
    recorded = next(line for line in ours if line.get("message_id"))
    assert Message.objects.filter(pk=recorded["message_id"], creator=event.creator).exists()
    # Once the worker resolved the event's creator, its lines name it (the claim comes before).
    recorded_and_done = [line for line in ours if line.get("message_id") or line.get("outcome")]
    assert recorded_and_done and {line["creator_id"] for line in recorded_and_done} == {event.creator_id}


@pytest.mark.django_db
def test_the_task_carries_the_request_id_and_old_tasks_still_run(account, settings, captured_logs):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with bound(request_id="enqueued-by-me"):
        [event] = store("messaging")
    row = DBTaskResult.objects.get()
    assert row.args_kwargs == {"args": [event.pk], "kwargs": {"request_id": "enqueued-by-me"}}
    assert WebhookEvent.objects.get().request_id == "enqueued-by-me"

    # A task queued before request ids existed (no keyword): the event's stored id is used.
    logs = captured_logs()
    assert tasks.process_event.call(event.pk) == "processed"
    lines = [json.loads(line) for line in logs.getvalue().splitlines()]
    assert {line["request_id"] for line in lines if line["logger"] == "webhooks"} == {"enqueued-by-me"}

