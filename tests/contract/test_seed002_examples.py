"""Contract: every example of seed 002 (002_19fb3943a46bcd72.txt) outside its Screening API
section (that one belongs to the screening app's contract tests), replayed against this system,
including the requests of the document's Node.js and Python integration examples.

Each replay checks the status, the envelope, and that the answer carries every key of the
document's example with a value of the same JSON type. The document's ids (interaction 5,
conversation 10, message 100) are replaced by the ids of the rows the fixture creates.
"""

import pytest
from rest_framework.test import APIClient

from core.uploads import ATTACHMENT_KINDS, check_upload, upload_from_bytes
from crm import services
from crm.choices import Direction, Platform
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

# --- The document's examples, verbatim --------------------------------------------------------

GENERATE_KEY_RESPONSE = {
    "success": True,
    "data": {
        "api_key": "pk_abc123...",
        "model_id": 1,
        "model_slug": "your-model-slug",
        "expires": "Never (revoke to disable)",
        "note": "Store this key securely - it will not be shown again",
    },
}
LIST_CLIENTS_RESPONSE = {
    "success": True,
    "data": [
        {
            "id": 1,
            "client_identifier": "client123",
            "email_hash": "hash...",
            "phone_hash": "hash...",
            "interaction_id": 5,
            "screening_status": "approved",
            "client_category": "screened",
            "subscription_status": "active",
            "unread_count": 3,
            "conversation_count": 12,
            "created_at": "2025-09-16T10:00:00Z",
        }
    ],
    "pagination": {"page": 1, "limit": 50, "total": 100, "pages": 2},
}
GET_CLIENT_RESPONSE = {
    "success": True,
    "data": {
        "id": 1,
        "client_identifier": "client123",
        "interaction_id": 5,
        "screening_status": "approved",
        "client_category": "screened",
        "subscription_status": "active",
        "notes_encrypted": "Private notes...",
        "last_contacted_at": "2025-09-16T15:30:00Z",
    },
}
CREATE_CLIENT_REQUEST = {
    "email": "client@example.com",
    "phone": "+1234567890",
    "client_identifier": "client123",
}
CREATE_CLIENT_RESPONSE = {"success": True, "data": {"client_id": 1, "interaction_id": 5, "created": True}}
UPDATE_CLIENT_REQUEST = {
    "screening_status": "approved",
    "client_category": "screened",
    "subscription_status": "active",
    "notes_encrypted": "Updated notes...",
}
CONVERSATION = {
    "id": 10,
    "subject": "Initial Contact",
    "chat_status": "active",
    "client_model_interaction_id": 5,
    "client_identifier": "client123",
    "is_archived": 0,
    "unread_count": 2,
    "tags": ["screening", "appointment"],
    "message_count": 15,
    "created_at": "2025-09-16T10:00:00Z",
    "updated_at": "2025-09-16T16:30:00Z",
}
LIST_CONVERSATIONS_RESPONSE = {"success": True, "data": [CONVERSATION]}
CREATE_CONVERSATION_REQUEST = {
    "interaction_id": 5,
    "subject": "New Thread",
    "message": "Initial message (optional)",
}
MESSAGE = {
    "id": 100,
    "sender_type": "model",
    "sender_id": 1,
    "sender_name": "your-model-slug",
    "message": "Hello, how can I help?",
    "message_type": "text",
    "timestamp": "2025-09-16T16:30:00Z",
    "file_path": None,
    "file_name": None,
    "file_size": None,
}
LIST_MESSAGES_RESPONSE = {"success": True, "data": [MESSAGE]}
SEND_MESSAGE_REQUEST = {"conversation_id": 10, "message": "Your message text", "message_type": "text"}
FILE = {
    "message_id": 100,
    "file_path": "/uploads/...",
    "file_name": "photo.jpg",
    "file_size": 1024000,
    "sender_name": "client123",
    "file_exists": True,
    "file_url": "/uploads/client123/photo.jpg",
    "file_extension": ".jpg",
    "is_image": True,
    "timestamp": "2025-09-16T16:30:00Z",
}
LIST_FILES_RESPONSE = {"success": True, "data": [FILE]}
NOTES_RESPONSE = {
    "success": True,
    "data": {
        "interaction_id": 5,
        "client_identifier": "client123",
        "notes": "Private notes about this client...",
        "updated_at": "2025-09-16T16:30:00Z",
    },
}
ERROR_RESPONSE = {"success": False, "error": "Error message"}


# --- Shape checking ---------------------------------------------------------------------------


def json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return {str: "string", list: "array", dict: "object"}[type(value)]


def assert_like(actual, example, where="$"):
    """`actual` has every key of `example`, each of the same JSON type (recursively)."""
    if example is None:
        # The document shows null for "no file": a row with a file has values there instead.
        return
    assert json_type(actual) == json_type(example), f"{where}: {actual!r} is not like {example!r}"
    if isinstance(example, dict):
        missing = set(example) - set(actual)
        assert not missing, f"{where}: missing {sorted(missing)} in {actual!r}"
        for key, value in example.items():
            assert_like(actual[key], value, f"{where}.{key}")
    elif isinstance(example, list) and example:
        assert actual, f"{where}: empty list, the example has items"
        for index, item in enumerate(actual):
            assert_like(item, example[0], f"{where}[{index}]")


def replay(client, method, path, status, example=None, json=None):
    response = (
        getattr(client, method)(path, json, format="json")
        if json is not None
        else getattr(client, method)(path)
    )
    assert response.status_code == status, (method, path, response.status_code, response.content[:400])
    body = response.json()
    assert isinstance(body.get("success"), bool)
    if example is not None:
        assert_like(body, example)
    return body


# --- The data the replays read ----------------------------------------------------------------


@pytest.fixture
def seeded(creator):
    """A client like the document's: screened, subscribed, with notes, threads and a file."""
    fan = services.fan_create(
        creator=creator,
        platform=Platform.DIRECT,
        client_identifier="client123",
        email="client@example.com",
        phone="+1234567890",
        subscription_status="active",
        notes="Private notes...",
    )
    services.fan_screening_decide(fan=fan, status="approved", decided_by=creator.user)
    conversation, _ = services.conversation_open(fan=fan, subject="Initial Contact", reuse=False)
    services.conversation_update(conversation=conversation, tags=["screening", "appointment"])
    services.message_add(conversation=conversation, direction=Direction.INCOMING, text="Hi")
    reply = services.message_add(
        conversation=conversation, direction=Direction.OUTGOING, text="Hello, how can I help?"
    )
    photo = check_upload(upload_from_bytes("photo.png", PNG), kinds=ATTACHMENT_KINDS)
    file_message = services.message_add(
        conversation=conversation, direction=Direction.INCOMING, attachment=photo
    )
    return {"fan": fan, "conversation": conversation, "message": reply, "file": file_message}


# --- Authentication ---------------------------------------------------------------------------


def test_generate_use_and_revoke_a_key(anon_client, creator):
    credentials = {"model_slug": creator.slug, "password": DEFAULT_PASSWORD}
    body = replay(anon_client, "post", "/api/v1/auth/generate-key", 201, GENERATE_KEY_RESPONSE, credentials)
    assert body["data"]["model_slug"] == creator.slug and body["data"]["model_id"] == creator.pk
    assert body["data"]["expires"] == GENERATE_KEY_RESPONSE["data"]["expires"]
    assert body["data"]["note"] == GENERATE_KEY_RESPONSE["data"]["note"]

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['data']['api_key']}")
    replay(client, "get", "/api/v1/clients", 200)

    revoked = replay(anon_client, "post", "/api/v1/auth/revoke-key", 200, None, credentials)
    assert revoked["success"] is True
    error = replay(client, "get", "/api/v1/clients", 401, ERROR_RESPONSE)
    assert error["error"] == "Invalid API key"


# --- Clients ----------------------------------------------------------------------------------


def test_list_clients(v1_client, seeded):
    body = replay(
        v1_client,
        "get",
        "/api/v1/clients?page=1&limit=50&search=client123&status=screened",
        200,
        LIST_CLIENTS_RESPONSE,
    )
    (client,) = body["data"]
    assert client["id"] == client["interaction_id"] == seeded["fan"].pk
    assert client["unread_count"] == 2 and client["conversation_count"] == 1
    assert body["pagination"] == {"page": 1, "limit": 50, "total": 1, "pages": 1}


def test_get_client(v1_client, seeded):
    body = replay(v1_client, "get", f"/api/v1/clients/{seeded['fan'].pk}", 200, GET_CLIENT_RESPONSE)
    assert body["data"]["notes_encrypted"] == "Private notes..."
    assert body["data"]["screening_status"] == "approved" and body["data"]["client_category"] == "screened"


def test_create_client(v1_client, creator):
    body = replay(v1_client, "post", "/api/v1/clients", 201, CREATE_CLIENT_RESPONSE, CREATE_CLIENT_REQUEST)
    assert body["data"]["created"] is True
    again = replay(v1_client, "post", "/api/v1/clients", 200, CREATE_CLIENT_RESPONSE, CREATE_CLIENT_REQUEST)
    assert again["data"]["created"] is False and again["data"]["client_id"] == body["data"]["client_id"]


def test_update_client(v1_client, seeded):
    body = replay(
        v1_client,
        "put",
        f"/api/v1/clients/{seeded['fan'].pk}",
        200,
        GET_CLIENT_RESPONSE,
        UPDATE_CLIENT_REQUEST,
    )
    assert {k: body["data"][k] for k in UPDATE_CLIENT_REQUEST} == UPDATE_CLIENT_REQUEST


# --- Conversations ----------------------------------------------------------------------------


def test_list_conversations(v1_client, seeded):
    fan = seeded["fan"].pk
    body = replay(
        v1_client,
        "get",
        f"/api/v1/conversations?page=1&limit=50&status=active&interaction_id={fan}",
        200,
        LIST_CONVERSATIONS_RESPONSE,
    )
    assert body["data"][0]["tags"] == ["appointment", "screening"]
    assert "pagination" in body


def test_get_conversation(v1_client, seeded):
    body = replay(
        v1_client,
        "get",
        f"/api/v1/conversations/{seeded['conversation'].pk}",
        200,
        {"success": True, "data": CONVERSATION},
    )
    assert body["data"]["id"] == seeded["conversation"].pk


def test_create_conversation(v1_client, seeded):
    request = {**CREATE_CONVERSATION_REQUEST, "interaction_id": seeded["fan"].pk}
    # A new thread has no tags yet: an empty array.
    created = {"success": True, "data": {**CONVERSATION, "tags": []}}
    body = replay(v1_client, "post", "/api/v1/conversations", 201, created, request)
    assert body["data"]["subject"] == "New Thread" and body["data"]["message_count"] == 1


def test_archive_tags_and_mark_read(v1_client, seeded):
    url = f"/api/v1/conversations/{seeded['conversation'].pk}"
    conversation = {"success": True, "data": CONVERSATION}
    body = replay(v1_client, "put", f"{url}/archive", 200, conversation, {"archived": True})
    assert body["data"]["chat_status"] == "archived" and body["data"]["is_archived"] == 1
    body = replay(
        v1_client,
        "put",
        f"{url}/tags",
        200,
        conversation,
        {"tags": ["screening", "appointment", "follow-up"]},
    )
    assert sorted(body["data"]["tags"]) == ["appointment", "follow-up", "screening"]
    body = replay(v1_client, "put", f"{url}/read", 200, conversation)
    assert body["data"]["unread_count"] == 0


# --- Messages ---------------------------------------------------------------------------------


def test_list_messages(v1_client, creator, seeded):
    body = replay(
        v1_client,
        "get",
        f"/api/v1/messages?conversation_id={seeded['conversation'].pk}",
        200,
        LIST_MESSAGES_RESPONSE,
    )
    model = next(m for m in body["data"] if m["sender_type"] == "model")
    assert model["sender_id"] == creator.user_id and model["sender_name"] == creator.slug
    assert model["message"] == "Hello, how can I help?"


def test_send_message(v1_client, seeded):
    request = {**SEND_MESSAGE_REQUEST, "conversation_id": seeded["conversation"].pk}
    body = replay(v1_client, "post", "/api/v1/messages", 201, {"success": True, "data": MESSAGE}, request)
    assert body["data"]["message"] == "Your message text" and body["data"]["sender_type"] == "model"


def test_get_message(v1_client, seeded):
    body = replay(
        v1_client, "get", f"/api/v1/messages/{seeded['message'].pk}", 200, {"success": True, "data": MESSAGE}
    )
    assert body["data"]["id"] == seeded["message"].pk


# --- Files ------------------------------------------------------------------------------------


def test_list_files_info_and_download(v1_client, seeded):
    conversation, message = seeded["conversation"].pk, seeded["file"].pk
    body = replay(v1_client, "get", f"/api/v1/files?conversation_id={conversation}", 200, LIST_FILES_RESPONSE)
    (item,) = body["data"]
    assert item["file_url"] == f"/api/v1/files/{message}/download" and item["file_exists"] is True
    replay(v1_client, "get", f"/api/v1/files/{message}", 200, {"success": True, "data": FILE})
    download = v1_client.get(item["file_url"])
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == PNG


# --- Notes ------------------------------------------------------------------------------------


def test_notes(v1_client, seeded):
    url = f"/api/v1/notes/{seeded['fan'].pk}"
    body = replay(v1_client, "get", url, 200, NOTES_RESPONSE)
    assert body["data"]["notes"] == "Private notes..."
    body = replay(v1_client, "put", url, 200, NOTES_RESPONSE, {"notes": "Updated private notes..."})
    assert body["data"]["notes"] == "Updated private notes..."
    assert replay(v1_client, "delete", url, 200) == {"success": True, "data": None}


# --- Error responses --------------------------------------------------------------------------


def test_error_format_for_the_documented_statuses(v1_client, anon_client):
    assert (
        replay(v1_client, "get", "/api/v1/messages", 400, ERROR_RESPONSE)["error"]
        == "conversation_id is required"
    )
    replay(anon_client, "get", "/api/v1/clients", 401, ERROR_RESPONSE)
    assert (
        replay(v1_client, "get", "/api/v1/clients/999999", 404, ERROR_RESPONSE)["error"] == "Client not found"
    )


# --- Integration examples ---------------------------------------------------------------------


def test_node_example(api_key, seeded):
    """axios.create({baseURL: '.../api/v1', headers: {Authorization: 'Bearer pk_...'}})"""
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key.raw_key}")
    clients = replay(api, "get", "/api/v1/clients?status=screened", 200, LIST_CLIENTS_RESPONSE)
    assert [c["id"] for c in clients["data"]] == [seeded["fan"].pk]
    # axios posts JSON; message_type is left out and defaults to text.
    sent = replay(
        api,
        "post",
        "/api/v1/messages",
        201,
        {"success": True, "data": MESSAGE},
        {"conversation_id": seeded["conversation"].pk, "message": "Hello from external app!"},
    )
    assert sent["data"]["message_type"] == "text"


def test_python_example(api_key, seeded):
    """requests.get(f'{base_url}/clients/5', headers=headers); requests.put(f'{base_url}/notes/5', json=...)"""
    session = APIClient()
    session.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key.raw_key}")
    fan = seeded["fan"].pk
    client = replay(session, "get", f"/api/v1/clients/{fan}", 200, GET_CLIENT_RESPONSE)
    assert client["data"]["interaction_id"] == fan
    replay(session, "put", f"/api/v1/notes/{fan}", 200, NOTES_RESPONSE, {"notes": "Updated from Python"})
    seeded["fan"].refresh_from_db()
    assert seeded["fan"].notes == "Updated from Python"
