import os
import stat
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction

from core.exceptions import InvalidInput, NotFound, StorageUnavailable
from core.storage import private_storage
from screening import selectors, services
from screening.models import ScreeningFile, ScreeningMethod
from tests.factories import ScreeningFileFactory, ScreeningMethodFactory
from tests.screening import samples
from tests.screening.conftest import stored_names

pytestmark = pytest.mark.django_db


def test_method_add_encrypts_details_and_validates_choices(fan):
    method = services.screening_method_add(fan=fan, method_type="references", details="Agency X vouched")
    assert method.status == "pending"
    with connection.cursor() as cursor:
        cursor.execute("SELECT details FROM screening_screeningmethod WHERE id = %s", [method.pk])
        (raw,) = cursor.fetchone()
    assert "Agency" not in raw  # encrypted at rest
    assert ScreeningMethod.objects.get(pk=method.pk).details == "Agency X vouched"
    with pytest.raises(InvalidInput, match="Invalid method_type"):
        services.screening_method_add(fan=fan, method_type="telepathy")
    with pytest.raises(InvalidInput, match="Invalid status"):
        services.screening_method_add(fan=fan, method_type="references", status="done")
    with pytest.raises(InvalidInput, match="Invalid details"):
        services.screening_method_add(fan=fan, method_type="references", details="x" * 10_001)


def test_method_update_is_partial(fan):
    method = ScreeningMethodFactory(fan=fan, details="old")
    services.screening_method_update(method=method, status="completed")
    method.refresh_from_db()
    assert (method.status, method.details, method.method_type) == ("completed", "old", "references")
    services.screening_method_update(method=method, details=None)
    method.refresh_from_db()
    assert method.details == ""
    with pytest.raises(TypeError):
        services.screening_method_update(method=method, fan=fan)


def test_file_upload_stores_under_generated_name_and_records_facts(fan, creator):
    row = services.screening_file_upload(
        fan=fan, upload=samples.upload("../../secret/Passport Scan.JPG", samples.JPEG), uploaded_by=creator.user
    )
    assert row.original_name == "Passport Scan.JPG"
    assert row.file.name.startswith("screening/") and row.file.name.endswith(".jpg")
    assert "Passport" not in row.file.name and "secret" not in row.file.name
    assert (row.size, row.content_type, row.uploaded_by) == (len(samples.JPEG), "image/jpeg", creator.user)
    import hashlib

    assert row.sha256 == hashlib.sha256(samples.JPEG).hexdigest()
    assert stored_names() == [row.file.name]
    with private_storage.open(row.file.name) as handle:
        assert handle.read() == samples.JPEG


def test_refused_upload_stores_nothing(fan):
    with pytest.raises(InvalidInput):
        services.screening_file_upload(fan=fan, upload=samples.upload("x.jpg", samples.EXE))
    assert stored_names() == []
    assert not ScreeningFile.objects.exists()


def test_database_failure_after_storing_deletes_the_object(fan, monkeypatch):
    def fail(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(ScreeningFile, "save", fail)
    with pytest.raises(DatabaseError):
        services.screening_file_upload(fan=fan, upload=samples.upload("id.png", samples.PNG))
    assert stored_names() == []


def test_storage_failure_is_a_503_error_and_no_row(fan, monkeypatch):
    from django.core.files.storage import FileSystemStorage

    def refuse(*args, **kwargs):
        raise OSError("read-only file system")

    monkeypatch.setattr(FileSystemStorage, "_save", refuse)
    with pytest.raises(StorageUnavailable) as excinfo:
        services.screening_file_upload(fan=fan, upload=samples.upload("id.png", samples.PNG))
    assert excinfo.value.status_code == 503
    assert not ScreeningFile.objects.exists()


def test_deleting_a_file_row_deletes_the_object_only_after_commit(fan, django_capture_on_commit_callbacks):
    row = services.screening_file_upload(fan=fan, upload=samples.upload("id.pdf", samples.PDF))
    row_id, name = row.pk, row.file.name
    # Rolled back: the row comes back, so must the object.
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                services.screening_file_delete(screening_file=row)
                raise RuntimeError("abort")
        except RuntimeError:
            pass
    assert stored_names() == [name]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.screening_file_delete(screening_file=ScreeningFile.objects.get(pk=row_id))
        assert stored_names() == [name]  # not before the commit
    for callback in callbacks:
        callback()
    assert stored_names() == []


@pytest.mark.parametrize("deleted", ["fan", "creator", "user"])
def test_cascading_deletes_remove_stored_objects(fan, deleted, django_capture_on_commit_callbacks):
    services.screening_file_upload(fan=fan, upload=samples.upload("id.pdf", samples.PDF))
    services.screening_file_upload(fan=fan, upload=samples.upload("id.png", samples.PNG))
    assert len(stored_names()) == 2
    target = {"fan": fan, "creator": fan.creator, "user": fan.creator.user}[deleted]
    with django_capture_on_commit_callbacks(execute=True):
        target.delete()
    assert stored_names() == []
    assert not ScreeningFile.objects.exists()


def test_selectors_scope_to_the_creator(fan, other_fan, creator):
    mine = ScreeningFileFactory(fan=fan)
    theirs = ScreeningFileFactory(fan=other_fan)
    method = ScreeningMethodFactory(fan=other_fan)
    assert selectors.screening_file_get(creator=creator, fan_id=fan.pk, file_id=mine.pk) == mine
    with pytest.raises(NotFound, match="Client not found"):
        selectors.screening_file_get(creator=creator, fan_id=other_fan.pk, file_id=theirs.pk)
    with pytest.raises(NotFound, match="File not found"):
        selectors.screening_file_get(creator=creator, fan_id=fan.pk, file_id=theirs.pk)
    for malformed in ["abc", "0", "1.5", "99999999999999999999", None]:
        with pytest.raises(NotFound, match="File not found"):
            selectors.screening_file_get(creator=creator, fan_id=fan.pk, file_id=malformed)
    with pytest.raises(NotFound, match="Not found"):
        selectors.screening_method_get(creator=creator, fan_id=fan.pk, method_id=method.pk)
    with pytest.raises(NotFound, match="Client not found"):
        selectors.screening_files_for_fan(creator=creator, fan_id="abc")
    info = selectors.screening_info_for_fan(creator=creator, fan_id=str(fan.pk))
    assert info.files == [mine] and info.methods == []


def test_two_rows_can_never_share_a_stored_object(fan):
    from django.db import IntegrityError

    row = services.screening_file_upload(fan=fan, upload=samples.upload("id.png", samples.PNG))
    with pytest.raises(IntegrityError), transaction.atomic():
        ScreeningFile.objects.create(
            fan=fan, file=row.file.name, original_name="x.png", size=1, content_type="image/png", sha256="0" * 64
        )


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_local_files_are_readable_by_the_app_user_only(fan, settings):
    row = services.screening_file_upload(fan=fan, upload=samples.upload("id.png", samples.PNG))
    path = Path(private_storage.path(row.file.name))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
