"""/api/v1/files (list, info, download) and /api/v1/notes (get, update, clear)."""

import pytest
from django.db import connection

from crm import services
from crm.choices import Direction
from tests.helpers import assert_status, assert_v1_error

from .conftest import PDF, PNG, attach

pytestmark = pytest.mark.django_db


# --- files -----------------------------------------------------------------------------------


def test_list_files_of_a_conversation(v1_client, world):
    reply = attach(world.conversation, name="Report.PDF", data=PDF, direction=Direction.OUTGOING)
    data = assert_status(v1_client.get(f"/api/v1/files?conversation_id={world.conversation.pk}"), 200)
    photo, report = data["data"]
    assert photo == {
        "message_id": world.file_message.pk,
        "conversation_id": world.conversation.pk,
        "file_path": world.file_message.attachment.name,
        "file_name": "photo.png",
        "file_size": len(PNG),
        "file_type": "image/png",
        "sender_name": world.fan.name,
        "file_exists": True,
        "file_url": f"/api/v1/files/{world.file_message.pk}/download",
        "file_extension": ".png",
        "is_image": True,
        "timestamp": photo["timestamp"],
    }
    assert photo["timestamp"].endswith("Z")
    assert report["message_id"] == reply.pk and report["is_image"] is False
    assert report["file_extension"] == ".pdf" and report["sender_name"] == world.conversation.creator.slug
    assert data["pagination"]["total"] == 2


def test_file_exists_follows_the_stored_object(v1_client, world):
    world.file_message.attachment.storage.delete(world.file_message.attachment.name)
    data = assert_status(v1_client.get(f"/api/v1/files/{world.file_message.pk}"), 200)["data"]
    assert data["file_exists"] is False


def test_list_files_needs_a_conversation(v1_client):
    assert_v1_error(v1_client.get("/api/v1/files"), 400, "conversation_id is required")


def test_list_files_query_count_is_fixed(v1_client, world, django_assert_num_queries):
    for _ in range(3):
        attach(world.conversation)
    url = f"/api/v1/files?conversation_id={world.conversation.pk}"
    v1_client.get(url)
    for limit in (1, 4):
        with django_assert_num_queries(4):
            assert len(v1_client.get(f"{url}&limit={limit}").json()["data"]) == limit


def test_info_of_a_message_without_a_file_is_404(v1_client, world):
    assert_v1_error(v1_client.get(f"/api/v1/files/{world.message.pk}"), 404, "File not found")
    assert_v1_error(v1_client.get(f"/api/v1/files/{world.message.pk}/download"), 404, "File not found")


def test_download_is_an_attachment_with_the_sniffed_type(v1_client, world):
    response = v1_client.get(f"/api/v1/files/{world.file_message.pk}/download")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="photo.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_download_accepts_any_accept_header(v1_client, world):
    response = v1_client.get(
        f"/api/v1/files/{world.file_message.pk}/download", HTTP_ACCEPT="application/octet-stream"
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG


def test_download_name_is_sanitised_and_rfc5987_encoded(v1_client, world):
    message = attach(world.conversation, name='..\\evil"\r\nname Čech ü.png')
    response = v1_client.get(f"/api/v1/files/{message.pk}/download")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert "filename*=utf-8''" in disposition
    assert (
        "\r" not in disposition
        and "\n" not in disposition
        and "\\" not in disposition
        and ".." not in disposition
    )


def test_download_of_a_missing_object_is_404(v1_client, world):
    world.file_message.attachment.storage.delete(world.file_message.attachment.name)
    assert_v1_error(v1_client.get(f"/api/v1/files/{world.file_message.pk}/download"), 404, "File not found")


# --- notes -----------------------------------------------------------------------------------


def test_notes_are_an_empty_string_when_none(v1_client, world):
    data = assert_status(v1_client.get(f"/api/v1/notes/{world.fan.pk}"), 200)["data"]
    assert data == {
        "interaction_id": world.fan.pk,
        "client_identifier": "client123",
        "notes": "",
        "updated_at": None,
    }


def test_update_and_clear_notes(v1_client, world):
    url = f"/api/v1/notes/{world.fan.pk}"
    data = assert_status(v1_client.put(url, {"notes": "Updated private notes..."}, format="json"), 200)[
        "data"
    ]
    assert data["notes"] == "Updated private notes..." and data["updated_at"].endswith("Z")
    with connection.cursor() as cursor:
        cursor.execute("SELECT notes FROM crm_fan WHERE id = %s", [world.fan.pk])
        stored = cursor.fetchone()[0]
    assert stored and "Updated private" not in stored
    assert v1_client.get(url).json()["data"]["notes"] == "Updated private notes..."
    cleared = assert_status(v1_client.delete(url), 200)
    assert cleared == {"success": True, "data": None}
    assert v1_client.get(url).json()["data"]["notes"] == ""


@pytest.mark.parametrize(
    "payload, message",
    [
        ({}, "notes field is required"),
        ({"notes": None}, "notes field is required"),
        ({"notes": 12}, "Invalid notes"),
        ({"notes": ["a"]}, "Invalid notes"),
    ],
)
def test_update_notes_validates(v1_client, world, payload, message):
    services.fan_update(fan=world.fan, notes="kept")
    assert_v1_error(v1_client.put(f"/api/v1/notes/{world.fan.pk}", payload, format="json"), 400, message)
    world.fan.refresh_from_db()
    assert world.fan.notes == "kept"


def test_empty_string_notes_is_allowed(v1_client, world):
    assert_status(v1_client.put(f"/api/v1/notes/{world.fan.pk}", {"notes": ""}, format="json"), 200)
