"""Private file storage: generated names, never a public URL."""

import logging
import secrets

from django.core.files.storage import default_storage
from django.db import transaction
from django.http import FileResponse
from django.utils import timezone

from .exceptions import NotFound, StorageUnavailable

logger = logging.getLogger(__name__)

# The default storage is private: local files with no URL (MEDIA_URL is None) or a private S3
# bucket. It is lazy, so tests that override STORAGES get a fresh one.
private_storage = default_storage


def generated_name(prefix: str, extension: str) -> str:
    """A storage key that carries nothing of the user's file name."""
    today = timezone.now()
    return f"{prefix}/{today:%Y/%m}/{secrets.token_hex(16)}{extension}"


def store_upload(field_file, upload, *, what: str) -> None:
    """Write a checked upload (core.uploads.CheckedUpload) into a FileField without saving its
    row: upload_to receives only the sniffed extension and generates the whole key. A store that
    refuses is a 503 ("File storage unavailable"), logged as `what`."""
    try:
        field_file.save(upload.kind.extension, upload.file, save=False)
    except Exception as exc:
        logger.exception("%s could not be stored", what)
        raise StorageUnavailable() from exc


def delete_stored_file_on_commit(name: str) -> None:
    """Delete a stored object once the surrounding transaction commits (never before)."""
    if name:
        # robust: the rows are already gone when this runs, so a store that is down must not
        # turn a committed delete into an error response; the failure is logged instead
        # (screening orphans are swept by `purge_screening_files --orphans`).
        transaction.on_commit(lambda: private_storage.delete(name), robust=True)


def private_open(name: str, *, not_found: str):
    """A stored object opened for reading, or NotFound(not_found) when it is missing or unreadable.

    Remote stores open lazily, so the first read is forced here: a missing object is a clean 404,
    not an error half-way through a response body.
    """
    try:
        handle = private_storage.open(name, "rb")
        handle.read(0)
    except Exception as exc:
        logger.warning("Stored object %s is not readable: %s", name, exc)
        raise NotFound(not_found) from exc
    return handle


def private_download(handle, *, filename: str, content_type: str) -> FileResponse:
    """A stored private file, always as a download: never rendered inline, sniffed or cached."""
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=content_type or "application/octet-stream"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    # Even if a browser were tricked into rendering it, the document could run nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
