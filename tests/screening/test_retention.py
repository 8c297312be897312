from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from screening import services
from screening.models import ScreeningFile
from screening.tasks import purge_expired_screening_files
from tests.screening import samples
from tests.screening.conftest import stored_names

pytestmark = pytest.mark.django_db


def file_aged(fan, days: int) -> ScreeningFile:
    row = services.screening_file_upload(fan=fan, upload=samples.upload("id.png", samples.PNG))
    ScreeningFile.objects.filter(pk=row.pk).update(uploaded_at=timezone.now() - timedelta(days=days))
    return row


def run(*args) -> str:
    out = StringIO()
    call_command("purge_screening_files", *args, stdout=out)
    return out.getvalue()


def test_unset_retention_keeps_everything(fan, other_fan, settings):
    settings.SCREENING_FILE_RETENTION_DAYS = None
    file_aged(fan, 5000)
    assert "not set: keeping every screening file" in run()
    assert ScreeningFile.objects.count() == 1
    assert services.screening_files_purge_expired() == 0


def test_purge_removes_only_expired_files_of_every_creator(
    fan, other_fan, settings, django_capture_on_commit_callbacks
):
    settings.SCREENING_FILE_RETENTION_DAYS = 30
    old_mine, old_theirs = file_aged(fan, 31), file_aged(other_fan, 400)
    recent = file_aged(fan, 29)
    assert run("--dry-run") == "Dry run: 2 screening file(s) older than 30 day(s) would be removed.\n"
    assert ScreeningFile.objects.count() == 3 and len(stored_names()) == 3

    with django_capture_on_commit_callbacks(execute=True):
        output = run()
    assert output == "Removed 2 screening file(s) older than 30 day(s).\n"
    assert list(ScreeningFile.objects.all()) == [recent]
    assert stored_names() == [recent.file.name]
    assert old_mine.file.name not in stored_names() and old_theirs.file.name not in stored_names()
    assert "Removed 0 screening file(s)" in run()


def test_purge_works_in_batches(fan, settings, monkeypatch):
    monkeypatch.setattr(services, "PURGE_BATCH_SIZE", 2)
    for _ in range(5):
        file_aged(fan, 10)
    assert services.screening_files_purge_expired(retention_days=7) == 5
    assert not ScreeningFile.objects.exists()


def test_zero_days_purges_everything_uploaded_before_now(fan):
    file_aged(fan, 0)
    assert services.screening_files_purge_expired(retention_days=0, now=timezone.now() + timedelta(seconds=1)) == 1


def test_negative_retention_is_a_command_error(settings):
    settings.SCREENING_FILE_RETENTION_DAYS = -1
    with pytest.raises(CommandError):
        run()


def test_task_runs_the_same_sweep(fan, settings):
    settings.SCREENING_FILE_RETENTION_DAYS = 1
    file_aged(fan, 2)
    result = purge_expired_screening_files.enqueue()
    assert result.return_value == 1
    assert not ScreeningFile.objects.exists()


def test_orphan_sweep_removes_only_old_unreferenced_objects(fan, settings):
    from django.core.files.base import ContentFile

    from core.storage import private_storage

    settings.SCREENING_FILE_RETENTION_DAYS = None
    kept = file_aged(fan, 0)
    orphan = private_storage.save("screening/2020/01/" + "a" * 32 + ".png", ContentFile(samples.PNG))
    unrelated = private_storage.save("attachments/2020/01/" + "b" * 32 + ".png", ContentFile(samples.PNG))
    later = timezone.now() + services.ORPHAN_GRACE + timedelta(minutes=1)

    # Young objects may belong to an upload still in flight: kept.
    assert services.screening_orphans_purge() == 0
    assert services.screening_orphans_purge(now=later, dry_run=True) == 1
    assert orphan in stored_names()
    assert services.screening_orphans_purge(now=later) == 1
    assert sorted(stored_names()) == sorted([kept.file.name, unrelated])
    output = run("--orphans")
    assert output.startswith("Removed 0 orphaned stored screening object(s).\n")
    assert "keeping every screening file" in output


def test_upload_rolled_back_by_its_caller_leaves_an_orphan_the_sweep_removes(fan):
    from django.db import transaction

    with pytest.raises(RuntimeError):
        with transaction.atomic():
            services.screening_file_upload(fan=fan, upload=samples.upload("id.png", samples.PNG))
            raise RuntimeError("caller failed after the upload")
    assert not ScreeningFile.objects.exists()
    assert len(stored_names()) == 1
    later = timezone.now() + services.ORPHAN_GRACE + timedelta(minutes=1)
    assert services.screening_orphans_purge(now=later) == 1
    assert stored_names() == []


def test_a_failing_store_does_not_break_a_committed_delete(v1_client, fan, monkeypatch, django_capture_on_commit_callbacks):
    from django.core.files.storage import FileSystemStorage

    row = file_aged(fan, 0)

    def down(self, name):
        raise OSError("store unreachable")

    monkeypatch.setattr(FileSystemStorage, "delete", down)
    with django_capture_on_commit_callbacks(execute=True):
        response = v1_client.delete(f"/api/v1/screening/{fan.pk}/files/{row.pk}")
    assert response.status_code == 200
    assert not ScreeningFile.objects.exists()
