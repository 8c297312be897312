"""The S3 path (django-storages) against a moto server started by the test suite."""

import pytest

from screening.models import ScreeningFile
from tests.screening import samples
from tests.screening.conftest import MOTO_BUCKET, stored_names

pytestmark = [pytest.mark.once, pytest.mark.django_db]


def bucket_keys(s3_client) -> list[str]:
    return [item["Key"] for item in s3_client.list_objects_v2(Bucket=MOTO_BUCKET).get("Contents", [])]


def test_round_trip_upload_info_download_delete(
    v1_client, fan, s3_storage, s3_client, django_capture_on_commit_callbacks
):
    response = v1_client.post(
        f"/api/v1/screening/{fan.pk}/files",
        {"file": samples.upload("../Driver Licence.pdf", samples.PDF)},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    created = response.json()["data"]
    row = ScreeningFile.objects.get(pk=created["id"])
    assert bucket_keys(s3_client) == [row.file.name]
    assert stored_names(s3_storage) == [row.file.name]

    # Private: no grant to everyone, and the object itself is what we uploaded.
    acl = s3_client.get_object_acl(Bucket=MOTO_BUCKET, Key=row.file.name)
    assert not [g for g in acl["Grants"] if "AllUsers" in str(g.get("Grantee", {}).get("URI", ""))]
    stored = s3_client.get_object(Bucket=MOTO_BUCKET, Key=row.file.name)["Body"].read()
    assert stored == samples.PDF

    info = v1_client.get(f"/api/v1/screening/{fan.pk}").json()["data"]
    assert info["files"] == [created]
    assert created["file_name"] == "Driver Licence.pdf"

    download = v1_client.get(f"/api/v1/screening/{fan.pk}/files/{row.pk}/download")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == samples.PDF
    assert download["Content-Disposition"].startswith('attachment; filename="Driver Licence.pdf"')

    with django_capture_on_commit_callbacks(execute=True):
        response = v1_client.delete(f"/api/v1/screening/{fan.pk}/files/{row.pk}")
    assert response.json() == {"success": True, "data": None}
    assert bucket_keys(s3_client) == []


def test_refused_upload_leaves_the_bucket_empty(v1_client, fan, s3_storage, s3_client):
    response = v1_client.post(
        f"/api/v1/screening/{fan.pk}/files",
        {"file": samples.upload("id.jpg", samples.EXE)},
        format="multipart",
    )
    assert response.status_code == 400
    assert bucket_keys(s3_client) == []


def test_fan_deletion_removes_s3_objects(fan, s3_storage, s3_client, django_capture_on_commit_callbacks):
    from screening import services

    services.screening_file_upload(fan=fan, upload=samples.upload("id.png", samples.PNG))
    assert len(bucket_keys(s3_client)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        fan.delete()
    assert bucket_keys(s3_client) == []


def test_object_missing_from_the_bucket_is_file_not_found(v1_client, fan, s3_storage, s3_client):
    from screening import services

    row = services.screening_file_upload(fan=fan, upload=samples.upload("id.png", samples.PNG))
    s3_client.delete_object(Bucket=MOTO_BUCKET, Key=row.file.name)
    response = v1_client.get(f"/api/v1/screening/{fan.pk}/files/{row.pk}/download")
    assert response.status_code == 404
    assert response.json() == {"success": False, "error": "File not found"}
