"""/api/v1/screening/... and /api/v1/files/screening/... (seed 002)."""

import pytest

from screening.models import ScreeningFile, ScreeningMethod
from tests.factories import ApiKeyFactory, ScreeningFileFactory, ScreeningMethodFactory
from tests.helpers import assert_status
from tests.helpers import json_body as body
from tests.screening import samples
from tests.screening.conftest import stored_names

pytestmark = pytest.mark.django_db

ISO_Z = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"


def upload(client, fan_id, name, data):
    return client.post(
        f"/api/v1/screening/{fan_id}/files", {"file": samples.upload(name, data)}, format="multipart"
    )


def test_info_shape(v1_client, fan):
    method = ScreeningMethodFactory(fan=fan, details="Verified with provider X", status="completed")
    screening_file = ScreeningFileFactory(fan=fan, original_name="id_photo.jpg")
    response = v1_client.get(f"/api/v1/screening/{fan.pk}")
    assert_status(response, 200)
    data = body(response)
    assert data["success"] is True
    assert data["data"] == {
        "interaction_id": fan.pk,
        "escort_client_id": fan.pk,
        "methods": [
            {
                "id": method.pk,
                "method_type": "references",
                "details": "Verified with provider X",
                "status": "completed",
                "created_at": method.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        ],
        "files": [
            {
                "id": screening_file.pk,
                "file_name": "id_photo.jpg",
                "file_size": screening_file.size,
                "file_type": "image/png",
                "uploaded_at": screening_file.uploaded_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        ],
    }


@pytest.mark.parametrize("count", [1, 8])
def test_info_query_count_is_constant(v1_client, fan, count, django_assert_num_queries):
    for _ in range(count):
        ScreeningMethodFactory(fan=fan)
        ScreeningFileFactory(fan=fan)
    v1_client.get(f"/api/v1/screening/{fan.pk}")  # the key's last-use stamp is written once a minute
    # API key, client, methods, files.
    with django_assert_num_queries(4):
        response = v1_client.get(f"/api/v1/screening/{fan.pk}")
    assert len(body(response)["data"]["files"]) == count


@pytest.mark.parametrize("count", [1, 8])
def test_file_list_query_count_is_constant(v1_client, fan, count, django_assert_num_queries):
    ScreeningFileFactory.create_batch(count, fan=fan)
    v1_client.get(f"/api/v1/files/screening/{fan.pk}")
    with django_assert_num_queries(3):  # API key, client, files
        response = v1_client.get(f"/api/v1/files/screening/{fan.pk}")
    assert len(body(response)["data"]) == count


def test_add_and_update_method(v1_client, fan):
    response = v1_client.post(
        f"/api/v1/screening/{fan.pk}/methods",
        {"method_type": "references", "details": "Contact details or notes", "status": "pending", "fan_id": 999},
        format="json",
    )
    assert_status(response, 201)
    created = body(response)["data"]
    assert created["method_type"] == "references" and created["status"] == "pending"
    assert created["details"] == "Contact details or notes"
    assert set(created) == {"id", "method_type", "details", "status", "created_at"}
    assert ScreeningMethod.objects.get(pk=created["id"]).fan == fan

    response = v1_client.put(
        f"/api/v1/screening/{fan.pk}/methods/{created['id']}",
        {"status": "completed", "details": "Updated details"},
        format="json",
    )
    assert_status(response, 200)
    assert body(response)["data"] | {"created_at": None} == {
        "id": created["id"],
        "method_type": "references",
        "details": "Updated details",
        "status": "completed",
        "created_at": None,
    }


def test_method_defaults_to_pending(v1_client, fan):
    response = v1_client.post(f"/api/v1/screening/{fan.pk}/methods", {"method_type": "deposit"}, format="json")
    assert_status(response, 201)
    assert body(response)["data"]["status"] == "pending" and body(response)["data"]["details"] == ""


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({}, "method_type is required"),
        ({"method_type": "telepathy"}, "Invalid method_type"),
        ({"method_type": "references", "status": "done"}, "Invalid status"),
        ({"method_type": ["references"]}, "Invalid method_type"),
        ({"method_type": "references", "details": {"a": 1}}, "Invalid details"),
        ({"method_type": "references", "details": "x" * 10_001}, "Invalid details"),
    ],
)
def test_add_method_validation(v1_client, fan, payload, error):
    response = v1_client.post(f"/api/v1/screening/{fan.pk}/methods", payload, format="json")
    assert_status(response, 400)
    assert body(response) == {"success": False, "error": error}
    assert not ScreeningMethod.objects.exists()


def test_update_method_validation_and_not_found(v1_client, fan):
    method = ScreeningMethodFactory(fan=fan)
    response = v1_client.put(f"/api/v1/screening/{fan.pk}/methods/{method.pk}", {"status": "nope"}, format="json")
    assert_status(response, 400)
    assert body(response)["error"] == "Invalid status"
    for bad in ["999999", "abc", "0", "-1", "99999999999999999999"]:
        response = v1_client.put(f"/api/v1/screening/{fan.pk}/methods/{bad}", {"status": "completed"}, format="json")
        assert_status(response, 404)
        assert body(response) == {"success": False, "error": "Not found"}


def test_malformed_json_is_a_400_in_the_envelope(v1_client, fan):
    response = v1_client.generic(
        "POST", f"/api/v1/screening/{fan.pk}/methods", "{not json", content_type="application/json"
    )
    assert_status(response, 400)
    assert body(response)["success"] is False


@pytest.mark.parametrize("name", sorted(samples.VALID))
def test_upload_each_supported_type(v1_client, fan, name):
    data, content_type = samples.VALID[name]
    response = upload(v1_client, fan.pk, name, data)
    assert_status(response, 201)
    info = body(response)["data"]
    assert set(info) == {"id", "file_name", "file_size", "file_type", "uploaded_at"}
    assert (info["file_name"], info["file_size"], info["file_type"]) == (name, len(data), content_type)
    row = ScreeningFile.objects.get(pk=info["id"])
    assert row.uploaded_by == v1_client.creator.user
    assert stored_names() == [row.file.name]


def test_upload_requires_the_file_field_and_multipart(v1_client, fan):
    response = v1_client.post(
        f"/api/v1/screening/{fan.pk}/methods".replace("methods", "files"),
        {"document": samples.upload("id.jpg", samples.JPEG)},
        format="multipart",
    )
    assert_status(response, 400)
    assert body(response) == {"success": False, "error": "File is required"}
    response = v1_client.post(f"/api/v1/screening/{fan.pk}/files", {"file": "abc"}, format="json")
    assert_status(response, 415)
    assert body(response)["success"] is False
    assert stored_names() == []


def test_download_is_an_attachment_with_a_sanitised_name(v1_client, fan):
    created = body(upload(v1_client, fan.pk, "Passeport d'Élodie.pdf", samples.PDF))["data"]
    response = v1_client.get(f"/api/v1/screening/{fan.pk}/files/{created['id']}/download")
    assert_status(response, 200)
    assert b"".join(response.streaming_content) == samples.PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"] == (
        "attachment; filename=\"Passeport d'Elodie.pdf\"; "
        "filename*=UTF-8''Passeport%20d%27%C3%89lodie.pdf"
    )
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_download_accepts_any_accept_header(v1_client, fan):
    created = body(upload(v1_client, fan.pk, "id.pdf", samples.PDF))["data"]
    for accept in ("application/pdf", "application/octet-stream", "*/*"):
        response = v1_client.get(
            f"/api/v1/screening/{fan.pk}/files/{created['id']}/download", HTTP_ACCEPT=accept
        )
        assert_status(response, 200)
        assert b"".join(response.streaming_content) == samples.PDF


def test_delete_file(v1_client, fan, django_capture_on_commit_callbacks):
    created = body(upload(v1_client, fan.pk, "id.png", samples.PNG))["data"]
    with django_capture_on_commit_callbacks(execute=True):
        response = v1_client.delete(f"/api/v1/screening/{fan.pk}/files/{created['id']}")
    assert_status(response, 200)
    assert body(response) == {"success": True, "data": None}
    assert not ScreeningFile.objects.exists()
    assert stored_names() == []
    response = v1_client.delete(f"/api/v1/screening/{fan.pk}/files/{created['id']}")
    assert_status(response, 404)
    assert body(response) == {"success": False, "error": "File not found"}


def test_file_list_route(v1_client, fan):
    created = body(upload(v1_client, fan.pk, "scan.docx", samples.DOCX))["data"]
    response = v1_client.get(f"/api/v1/files/screening/{fan.pk}")
    assert_status(response, 200)
    (item,) = body(response)["data"]
    assert item == {
        "id": created["id"],
        "interaction_id": fan.pk,
        "file_name": "scan.docx",
        "file_size": len(samples.DOCX),
        "file_type": samples.VALID["id.docx"][1],
        "file_extension": ".docx",
        "is_image": False,
        "uploaded_at": created["uploaded_at"],
        "file_url": f"/api/v1/screening/{fan.pk}/files/{created['id']}/download",
    }


def test_missing_stored_object_is_file_not_found(v1_client, fan):
    row = ScreeningFileFactory(fan=fan)
    from core.storage import private_storage

    private_storage.delete(row.file.name)
    response = v1_client.get(f"/api/v1/screening/{fan.pk}/files/{row.pk}/download")
    assert_status(response, 404)
    assert body(response) == {"success": False, "error": "File not found"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/screening/{fan}"),
        ("post", "/api/v1/screening/{fan}/methods"),
        ("post", "/api/v1/screening/{fan}/files"),
        ("get", "/api/v1/files/screening/{fan}"),
        ("get", "/api/v1/screening/{fan}/files/1/download"),
        ("delete", "/api/v1/screening/{fan}/files/1"),
    ],
)
def test_routes_need_an_api_key(anon_client, fan, method, path):
    response = getattr(anon_client, method)(path.format(fan=fan.pk))
    assert_status(response, 401)
    assert body(response) == {"success": False, "error": "Missing or invalid authorization header"}


def test_revoked_key_is_refused(v1_client, fan):
    from crm import services as crm_services

    crm_services.api_key_revoke(api_key=v1_client.api_key)
    assert_status(v1_client.get(f"/api/v1/screening/{fan.pk}"), 401)


def test_wrong_method_is_a_405_in_the_envelope(v1_client, fan):
    response = v1_client.delete(f"/api/v1/screening/{fan.pk}")
    assert_status(response, 405)
    assert body(response)["success"] is False


def test_unknown_client_ids(v1_client):
    for bad in ["999999", "abc", "0", "1.5", "99999999999999999999"]:
        response = v1_client.get(f"/api/v1/screening/{bad}")
        assert_status(response, 404)
        assert body(response) == {"success": False, "error": "Client not found"}


def test_uploads_count_against_the_write_budget(v1_client, fan, settings):
    settings.WRITE_RATE_LIMIT = "1/60s"
    assert_status(upload(v1_client, fan.pk, "id.png", samples.PNG), 201)
    response = upload(v1_client, fan.pk, "id.png", samples.PNG)
    assert_status(response, 429)
    assert body(response) == {"success": False, "error": "Rate limit exceeded"}
    assert len(stored_names()) == 1


def test_second_key_of_the_same_creator_sees_the_same_files(v1_client, fan):
    created = body(upload(v1_client, fan.pk, "id.png", samples.PNG))["data"]
    other_key = ApiKeyFactory(creator=v1_client.creator)
    v1_client.credentials(HTTP_AUTHORIZATION=f"Bearer {other_key.raw_key}")
    assert body(v1_client.get(f"/api/v1/screening/{fan.pk}"))["data"]["files"][0]["id"] == created["id"]


def test_broken_multipart_is_a_400_in_the_envelope(v1_client, fan):
    response = v1_client.generic(
        "POST", f"/api/v1/screening/{fan.pk}/files", b"garbage", content_type="multipart/form-data"
    )
    assert_status(response, 400)
    assert body(response) == {"success": False, "error": "Invalid multipart body"}
    assert stored_names() == []


def test_rfc2231_encoded_name_is_decoded_and_sanitised(v1_client, fan):
    boundary = "b0undary"
    payload = (
        f"--{boundary}\r\n"
        "Content-Disposition: form-data; name=\"file\"; filename*=UTF-8''..%2F..%2F%C3%A9tat%20civil.png\r\n"
        "Content-Type: image/png\r\n\r\n"
    ).encode() + samples.PNG + f"\r\n--{boundary}--\r\n".encode()
    response = v1_client.generic(
        "POST", f"/api/v1/screening/{fan.pk}/files", payload, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert_status(response, 201)
    assert body(response)["data"]["file_name"] == "état civil.png"
