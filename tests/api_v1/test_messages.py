"""/api/v1/messages: list, send (JSON and multipart), get."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from crm import services
from crm.choices import Direction
from crm.models import Message
from tests.helpers import assert_status, assert_v1_error

from .conftest import PDF, PNG

pytestmark = pytest.mark.django_db

FIELDS = (
    "id",
    "sender_type",
    "sender_id",
    "sender_name",
    "message",
    "message_type",
    "timestamp",
    "file_path",
    "file_name",
    "file_size",
)


def stored_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_list_is_oldest_first_with_senders(v1_client, creator, world):
    services.message_add(
        conversation=world.conversation, direction=Direction.OUTGOING, text="Hello, how can I help?"
    )
    services.message_add(
        conversation=world.conversation, direction=Direction.SYSTEM, text="Archived", message_type="system"
    )
    data = assert_status(v1_client.get(f"/api/v1/messages?conversation_id={world.conversation.pk}"), 200)
    rows = data["data"]
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)
    assert all(set(FIELDS) <= set(r) for r in rows)
    client_msg, file_msg, model_msg, system_msg = rows
    assert (client_msg["sender_type"], client_msg["sender_id"], client_msg["sender_name"]) == (
        "client",
        world.fan.pk,
        world.fan.name,
    )
    assert (model_msg["sender_type"], model_msg["sender_id"], model_msg["sender_name"]) == (
        "model",
        creator.user_id,
        creator.slug,
    )
    assert (system_msg["sender_type"], system_msg["sender_id"], system_msg["sender_name"]) == (
        "system",
        None,
        None,
    )
    assert client_msg["file_path"] is None and client_msg["file_size"] is None
    assert file_msg["file_name"] == "photo.png" and file_msg["file_size"] == len(PNG)
    assert file_msg["file_path"] == world.file_message.attachment.name
    assert not file_msg["file_path"].startswith("/") and "photo" not in file_msg["file_path"]
    assert file_msg["message_type"] == "image"
    assert data["pagination"]["total"] == 4


def test_list_paginates(v1_client, world):
    data = assert_status(
        v1_client.get(f"/api/v1/messages?conversation_id={world.conversation.pk}&limit=1&page=2"), 200
    )
    assert [r["id"] for r in data["data"]] == [world.file_message.pk]
    assert data["pagination"] == {"page": 2, "limit": 1, "total": 2, "pages": 2}


@pytest.mark.parametrize("query", ["", "?conversation_id=", "?conversation_id=%20"])
def test_list_needs_a_conversation(v1_client, query):
    assert_v1_error(v1_client.get(f"/api/v1/messages{query}"), 400, "conversation_id is required")


def test_list_with_an_impossible_conversation_id_is_404(v1_client):
    assert_v1_error(v1_client.get("/api/v1/messages?conversation_id=abc"), 404, "Conversation not found")


def test_list_query_count_does_not_grow_with_the_page(v1_client, world, django_assert_num_queries):
    for i in range(8):
        services.message_add(conversation=world.conversation, direction=Direction.INCOMING, text=str(i))
    url = f"/api/v1/messages?conversation_id={world.conversation.pk}"
    v1_client.get(url)
    # key lookup, conversation, count, page
    for limit in (1, 10):
        with django_assert_num_queries(4):
            assert len(assert_status(v1_client.get(f"{url}&limit={limit}"), 200)["data"]) == limit


def test_send_text(v1_client, creator, world):
    payload = {
        "conversation_id": world.conversation.pk,
        "message": "Your message text",
        "message_type": "text",
    }
    data = assert_status(v1_client.post("/api/v1/messages", payload, format="json"), 201)["data"]
    message = Message.objects.get(pk=data["id"])
    assert message.direction == Direction.OUTGOING and message.text == "Your message text"
    assert data["sender_type"] == "model" and data["sender_id"] == creator.user_id
    world.conversation.refresh_from_db()
    assert world.conversation.message_count == 3


@pytest.mark.parametrize("message_type", ["text", "system", "file"])
def test_send_answers_what_a_fresh_read_shows(v1_client, world, message_type):
    payload = {"conversation_id": str(world.conversation.pk), "message": "hello", "message_type": message_type}
    if message_type == "file":
        payload = {**payload, "message_type": "text", "file": SimpleUploadedFile("a.pdf", PDF)}
    sent = assert_status(v1_client.post("/api/v1/messages", payload, format="multipart"), 201)["data"]
    assert sent == assert_status(v1_client.get(f"/api/v1/messages/{sent['id']}"), 200)["data"]
    assert sent["message"] == "hello" and (sent["file_name"] == "a.pdf") == (message_type == "file")


def test_send_system_message(v1_client, world):
    payload = {"conversation_id": world.conversation.pk, "message": "Moved", "message_type": "system"}
    data = assert_status(v1_client.post("/api/v1/messages", payload, format="json"), 201)["data"]
    assert data["sender_type"] == "system" and data["message_type"] == "system"


@pytest.mark.parametrize(
    "payload, message",
    [
        ({"message": "hi"}, "conversation_id is required"),
        ({"conversation_id": "CONV"}, "message is required"),
        ({"conversation_id": "CONV", "message": "   "}, "message is required"),
        ({"conversation_id": "CONV", "message": "hi", "message_type": "video"}, "Invalid message_type"),
        ({"conversation_id": "CONV", "message": ["hi"]}, "Invalid message"),
        ({"conversation_id": [1], "message": "hi"}, "Invalid conversation_id"),
    ],
)
def test_send_validates(v1_client, world, payload, message):
    payload = {k: (world.conversation.pk if v == "CONV" else v) for k, v in payload.items()}
    assert_v1_error(v1_client.post("/api/v1/messages", payload, format="json"), 400, message)
    assert Message.objects.filter(conversation=world.conversation).count() == 2


def test_send_attachment_by_multipart(v1_client, world, settings):
    before = len(stored_files(settings))
    upload = SimpleUploadedFile("Report 2025.pdf", PDF, content_type="application/x-whatever")
    payload = {"conversation_id": str(world.conversation.pk), "message": "see attached", "file": upload}
    data = assert_status(v1_client.post("/api/v1/messages", payload, format="multipart"), 201)["data"]
    assert data["message_type"] == "file" and data["file_name"] == "Report 2025.pdf"
    assert data["file_size"] == len(PDF)
    message = Message.objects.get(pk=data["id"])
    assert message.attachment_content_type == "application/pdf"
    assert data["file_path"] == message.attachment.name and message.attachment.name.endswith(".pdf")
    assert len(stored_files(settings)) == before + 1


def test_attachment_alone_needs_no_text(v1_client, world):
    upload = SimpleUploadedFile("p.png", PNG)
    data = v1_client.post(
        "/api/v1/messages", {"conversation_id": world.conversation.pk, "file": upload}, format="multipart"
    )
    assert assert_status(data, 201)["data"]["message_type"] == "image"


@pytest.mark.parametrize(
    "name, content, status",
    [
        ("notes.txt", b"just text, not an allowed type", 400),
        ("photo.pdf", PNG, 400),  # the extension contradicts the content
        ("empty.png", b"", 400),
        ("huge.png", PNG + b"0" * 2048, 413),
    ],
)
def test_refused_attachment_stores_nothing(v1_client, world, settings, name, content, status):
    settings.UPLOAD_MAX_FILE_BYTES = 1024
    before = len(stored_files(settings))
    upload = SimpleUploadedFile(name, content)
    payload = {"conversation_id": world.conversation.pk, "message": "x", "file": upload}
    assert_v1_error(v1_client.post("/api/v1/messages", payload, format="multipart"), status)
    assert Message.objects.filter(conversation=world.conversation).count() == 2
    assert len(stored_files(settings)) == before


def test_get_one(v1_client, world):
    data = assert_status(v1_client.get(f"/api/v1/messages/{world.message.pk}"), 200)["data"]
    assert (
        data["id"] == world.message.pk and data["message"] == "Hi there" and data["sender_type"] == "client"
    )


def test_attachment_type_comes_from_its_content_not_the_label(v1_client, world):
    upload = SimpleUploadedFile("doc.pdf", PDF)
    payload = {"conversation_id": world.conversation.pk, "message_type": "image", "file": upload}
    data = assert_status(v1_client.post("/api/v1/messages", payload, format="multipart"), 201)["data"]
    assert data["message_type"] == "file"


def test_oversized_multipart_body_is_413_in_the_envelope(v1_client, world, settings):
    settings.MULTIPART_MAX_BODY_BYTES = 2048
    upload = SimpleUploadedFile("p.png", PNG + b"0" * 4096)
    payload = {"conversation_id": world.conversation.pk, "file": upload}
    assert_v1_error(
        v1_client.post("/api/v1/messages", payload, format="multipart"), 413, "Request body too large"
    )
    assert Message.objects.filter(conversation=world.conversation).count() == 2


def test_send_attachment_while_storage_refuses_writes_is_a_503(v1_client, world, monkeypatch):
    from django.core.files.storage import FileSystemStorage

    def refuse(*args, **kwargs):
        raise OSError("read-only file system")

    monkeypatch.setattr(FileSystemStorage, "_save", refuse)
    payload = {"conversation_id": str(world.conversation.pk), "file": SimpleUploadedFile("a.pdf", PDF)}
    before = Message.objects.count()
    response = v1_client.post("/api/v1/messages", payload, format="multipart")
    assert_v1_error(response, 503, "File storage unavailable, try again later")
    assert Message.objects.count() == before
