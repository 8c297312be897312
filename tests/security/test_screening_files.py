"""Hostile uploads and cross-tenant access on every screening file route."""

import pytest

from core.storage import private_storage
from screening import services
from screening.models import ScreeningFile, ScreeningMethod
from tests.factories import FanFactory, ScreeningMethodFactory
from tests.screening import samples
from tests.screening.conftest import stored_names

pytestmark = pytest.mark.django_db

@pytest.fixture
def fan(creator):
    return FanFactory(creator=creator)


@pytest.fixture
def other_fan(other_creator):
    return FanFactory(creator=other_creator)


BOUNDARY = "----screening-test-boundary"


def raw_multipart(filename: bytes, data: bytes, content_type: bytes = b"image/jpeg") -> bytes:
    """A multipart body written by hand, so the file name reaches the server unaltered."""
    return (
        b"--" + BOUNDARY.encode() + b"\r\n"
        b'Content-Disposition: form-data; name="file"; filename="' + filename + b'"\r\n'
        b"Content-Type: " + content_type + b"\r\n\r\n" + data + b"\r\n"
        b"--" + BOUNDARY.encode() + b"--\r\n"
    )


def post_raw(client, fan_id, filename: bytes, data: bytes):
    return client.generic(
        "POST",
        f"/api/v1/screening/{fan_id}/files",
        raw_multipart(filename, data),
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    )


def assert_nothing_stored():
    assert stored_names() == []
    assert not ScreeningFile.objects.exists()


@pytest.mark.parametrize(
    ("name", "data", "error"),
    [
        ("setup.jpg", samples.EXE, "Unsupported file type (allowed: JPG, PNG, PDF, DOC, DOCX)"),
        ("index.html", samples.HTML, "Unsupported file type (allowed: JPG, PNG, PDF, DOC, DOCX)"),
        ("logo.svg", samples.SVG, "Unsupported file type (allowed: JPG, PNG, PDF, DOC, DOCX)"),
        ("id.png", samples.PDF, "File extension does not match its content"),
        ("contract.docx", samples.ZIP, "Unsupported file type (allowed: JPG, PNG, PDF, DOC, DOCX)"),
        ("budget.doc", samples.XLS, "Unsupported file type (allowed: JPG, PNG, PDF, DOC, DOCX)"),
        ("id.jpg", b"", "File is empty"),
    ],
)
def test_hostile_uploads_are_refused_and_leave_nothing(v1_client, fan, name, data, error):
    response = post_raw(v1_client, fan.pk, name.encode(), data)
    assert response.status_code == 400, response.content
    assert response.json() == {"success": False, "error": error}
    assert_nothing_stored()


def test_file_over_10_mib_is_413_in_the_envelope_and_nothing_stored(v1_client, fan, settings):
    data = samples.JPEG + b"\x00" * (settings.UPLOAD_MAX_FILE_BYTES + 1 - len(samples.JPEG))
    response = post_raw(v1_client, fan.pk, b"big.jpg", data)
    assert response.status_code == 413, response.content
    assert response.json() == {"success": False, "error": "File too large (maximum 10 MB)"}
    assert_nothing_stored()


def test_body_far_over_the_limit_is_refused_before_parsing(v1_client, fan, settings):
    data = samples.JPEG + b"\x00" * (settings.MULTIPART_MAX_BODY_BYTES + 1)
    response = post_raw(v1_client, fan.pk, b"huge.jpg", data)
    assert response.status_code == 413
    assert response.json() == {"success": False, "error": "Request body too large"}
    assert_nothing_stored()


def test_exactly_10_mib_is_accepted(v1_client, fan, settings):
    data = samples.PDF + b"\n" * (settings.UPLOAD_MAX_FILE_BYTES - len(samples.PDF))
    response = post_raw(v1_client, fan.pk, b"max.pdf", data)
    assert response.status_code == 201, response.content
    assert response.json()["data"]["file_size"] == settings.UPLOAD_MAX_FILE_BYTES


@pytest.mark.parametrize(
    "raw_name",
    [
        b"../../../etc/cron.d/id card.jpg",
        b"..\\..\\windows\\id card.jpg",
        b"../id\x00 card.jpg",
        b"id\xe2\x80\xae card.jpg",  # U+202E right-to-left override
    ],
)
def test_path_and_control_characters_never_reach_the_storage_key(v1_client, fan, raw_name):
    response = post_raw(v1_client, fan.pk, raw_name, samples.JPEG)
    assert response.status_code == 201, response.content
    shown = response.json()["data"]["file_name"]
    assert "/" not in shown and "\\" not in shown and "\x00" not in shown and "\u202e" not in shown
    assert shown.endswith("card.jpg")
    row = ScreeningFile.objects.get()
    assert row.original_name == shown
    # The key is generated: prefix, date folders, 32 random hex digits, the sniffed extension.
    prefix, year, month, leaf = row.file.name.split("/")
    assert prefix == "screening" and len(leaf) == len("0" * 32 + ".jpg") and leaf.endswith(".jpg")
    assert "card" not in row.file.name and ".." not in row.file.name
    assert stored_names() == [row.file.name]

    download = v1_client.get(f"/api/v1/screening/{fan.pk}/files/{row.pk}/download")
    disposition = download["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert "/" not in disposition and "\\" not in disposition and "\r" not in disposition
    assert "\x00" not in disposition and "%00" not in disposition


def test_header_injection_in_the_name_is_neutralised(v1_client, fan):
    # Multipart cannot carry CR/LF in a name, but other writers of the service could.
    row = services.screening_file_upload(
        fan=fan, upload=samples.upload('x";\r\nSet-Cookie: a=b; q=".pdf', samples.PDF)
    )
    download = v1_client.get(f"/api/v1/screening/{fan.pk}/files/{row.pk}/download")
    assert "Set-Cookie" not in download.headers or "a=b" not in download.headers.get("Set-Cookie", "")
    disposition = download["Content-Disposition"]
    ascii_part = disposition.split('filename="', 1)[1].split('"', 1)[0]
    assert '"' not in ascii_part and ";" not in disposition.split("filename*=", 1)[1]


# --- Another creator's client, methods and files --------------------------------------------


@pytest.fixture
def theirs(other_fan):
    row = services.screening_file_upload(fan=other_fan, upload=samples.upload("their-id.png", samples.PNG))
    method = ScreeningMethodFactory(fan=other_fan, details="their secret")
    return other_fan, row, method


def _routes(fan_id, file_id, method_id):
    return [
        ("get", f"/api/v1/screening/{fan_id}", None),
        ("get", f"/api/v1/files/screening/{fan_id}", None),
        ("get", f"/api/v1/screening/{fan_id}/files/{file_id}/download", None),
        ("delete", f"/api/v1/screening/{fan_id}/files/{file_id}", None),
        ("post", f"/api/v1/screening/{fan_id}/methods", {"method_type": "references"}),
        ("put", f"/api/v1/screening/{fan_id}/methods/{method_id}", {"status": "failed"}),
    ]


def test_another_creators_client_is_not_found_on_every_route(v1_client, theirs, django_capture_on_commit_callbacks):
    other_fan, row, method = theirs
    with django_capture_on_commit_callbacks(execute=True):
        for verb, path, payload in _routes(other_fan.pk, row.pk, method.pk):
            response = getattr(v1_client, verb)(path, payload, format="json")
            assert response.status_code == 404, (verb, path, response.content)
            assert response.json() == {"success": False, "error": "Client not found"}, path
            assert b"their" not in response.content
        response = post_raw(v1_client, other_fan.pk, b"mine.png", samples.PNG)
        assert response.status_code == 404
        assert response.json() == {"success": False, "error": "Client not found"}
    # Nothing of theirs changed, nothing of ours was stored.
    assert ScreeningFile.objects.filter(pk=row.pk, fan=other_fan).exists()
    assert private_storage.exists(row.file.name)
    assert stored_names() == [row.file.name]
    method.refresh_from_db()
    assert method.status == "pending"
    assert ScreeningMethod.objects.count() == 1


def test_another_creators_file_and_method_ids_on_my_client(v1_client, fan, theirs, django_capture_on_commit_callbacks):
    _other_fan, row, method = theirs
    with django_capture_on_commit_callbacks(execute=True):
        for verb, path, payload in _routes(fan.pk, row.pk, method.pk)[2:4]:
            response = getattr(v1_client, verb)(path, payload, format="json")
            assert response.status_code == 404, path
            assert response.json() == {"success": False, "error": "File not found"}
        response = v1_client.put(f"/api/v1/screening/{fan.pk}/methods/{method.pk}", {"status": "failed"}, format="json")
        assert response.status_code == 404
        assert response.json() == {"success": False, "error": "Not found"}
    assert private_storage.exists(row.file.name)
    assert v1_client.get(f"/api/v1/files/screening/{fan.pk}").json() == {"success": True, "data": []}
    assert v1_client.get(f"/api/v1/screening/{fan.pk}").json()["data"]["files"] == []
