import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.db import DatabaseError

from core.uploads import ATTACHMENT_KINDS, check_upload, upload_from_bytes
from crm import services
from crm.choices import Direction
from crm.models import Message
from tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def stored_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_an_invalid_message_never_writes_its_attachment(settings, monkeypatch):
    conversation = ConversationFactory()
    upload = check_upload(upload_from_bytes("p.png", PNG), kinds=ATTACHMENT_KINDS)

    def must_not_store(*args, **kwargs):
        raise AssertionError("the attachment was stored before the message was validated")

    monkeypatch.setattr(FileSystemStorage, "_save", must_not_store)
    with pytest.raises(ValidationError):
        services.message_add(
            conversation=conversation, direction=Direction.OUTGOING, attachment=upload, price_cents=-1
        )
    assert not Message.objects.exists()
    assert stored_files(settings) == []


def test_a_message_that_fails_to_save_leaves_no_stored_attachment(settings, monkeypatch):
    conversation = ConversationFactory()
    upload = check_upload(upload_from_bytes("p.png", PNG), kinds=ATTACHMENT_KINDS)
    stored = []
    real_save = FileSystemStorage._save

    def recording_save(self, name, content):
        stored.append(real_save(self, name, content))
        return stored[-1]

    def fail(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(FileSystemStorage, "_save", recording_save)
    monkeypatch.setattr(Message, "save", fail)
    with pytest.raises(DatabaseError):
        services.message_add(conversation=conversation, direction=Direction.OUTGOING, attachment=upload)
    assert len(stored) == 1  # the object was written, then removed again
    assert stored_files(settings) == []


def test_a_store_refusing_the_attachment_is_storage_unavailable(settings, monkeypatch):
    from core.exceptions import StorageUnavailable

    conversation = ConversationFactory()
    upload = check_upload(upload_from_bytes("p.png", PNG), kinds=ATTACHMENT_KINDS)

    def refuse(*args, **kwargs):
        raise OSError("read-only file system")

    monkeypatch.setattr(FileSystemStorage, "_save", refuse)
    with pytest.raises(StorageUnavailable) as excinfo:
        services.message_add(conversation=conversation, direction=Direction.OUTGOING, attachment=upload)
    assert excinfo.value.status_code == 503
    assert not Message.objects.exists()
