"""Uploaded files are judged by their content (magic bytes), never by their name or declared type."""

import hashlib
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from .exceptions import InvalidInput, PayloadTooLarge


@dataclass(frozen=True)
class FileKind:
    content_type: str
    extension: str  # the extension the stored object gets
    accepted_extensions: frozenset[str]  # what the user's file name may end with


JPEG = FileKind("image/jpeg", ".jpg", frozenset({".jpg", ".jpeg", ".jpe"}))
PNG = FileKind("image/png", ".png", frozenset({".png"}))
GIF = FileKind("image/gif", ".gif", frozenset({".gif"}))
WEBP = FileKind("image/webp", ".webp", frozenset({".webp"}))
PDF = FileKind("application/pdf", ".pdf", frozenset({".pdf"}))
DOC = FileKind("application/msword", ".doc", frozenset({".doc"}))
DOCX = FileKind(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".docx",
    frozenset({".docx"}),
)

SCREENING_KINDS = (JPEG, PNG, PDF, DOC, DOCX)
ATTACHMENT_KINDS = (JPEG, PNG, GIF, WEBP, PDF, DOC, DOCX)
IMAGE_TYPES = frozenset({JPEG.content_type, PNG.content_type, GIF.content_type, WEBP.content_type})

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class CheckedUpload:
    file: UploadedFile
    kind: FileKind
    original_name: str
    size: int
    sha256: str

    @property
    def content_type(self) -> str:
        return self.kind.content_type

    @property
    def is_image(self) -> bool:
        return self.kind.content_type in IMAGE_TYPES


def _is_docx(file) -> bool:
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        file.seek(0)


def sniff(file, head: bytes) -> FileKind | None:
    """The kind of a file from its first bytes (and, for DOCX, its ZIP directory)."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(_OLE2_MAGIC):
        return DOC
    if head.startswith(b"PK\x03\x04") and _is_docx(file):
        return DOCX
    return None


_UNSAFE_NAME_CHARS = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


def sanitise_filename(name: str, fallback: str = "file") -> str:
    """A display name with no path, no control characters and no quoting tricks."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").split("/")[-1]
    name = _UNSAFE_NAME_CHARS.sub("_", name).strip(" .")
    return (name or fallback)[:200]


def check_upload(file: UploadedFile | None, *, kinds=SCREENING_KINDS, label="File") -> CheckedUpload:
    """Accept a file only if its content is one of `kinds` and its extension agrees."""
    if file is None:
        raise InvalidInput(f"{label} is required", field="file")
    if file.size is not None and file.size > settings.UPLOAD_MAX_FILE_BYTES:
        raise PayloadTooLarge(f"{label} too large (maximum 10 MB)", field="file")
    if not file.size:
        raise InvalidInput(f"{label} is empty", field="file")

    file.seek(0)
    head = file.read(16)
    file.seek(0)
    kind = sniff(file, head)
    allowed = ", ".join(k.extension.lstrip(".").upper() for k in kinds)
    if kind is None or kind not in kinds:
        raise InvalidInput(f"Unsupported file type (allowed: {allowed})", field="file")

    original_name = sanitise_filename(file.name or "")
    extension = PurePosixPath(original_name.lower()).suffix
    if extension not in kind.accepted_extensions:
        raise InvalidInput("File extension does not match its content", field="file")

    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    return CheckedUpload(file=file, kind=kind, original_name=original_name, size=file.size, sha256=digest.hexdigest())


def upload_from_bytes(name: str, data: bytes):
    """An UploadedFile over bytes, for seeding data and tests."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


__all__ = ["CheckedUpload", "check_upload", "sanitise_filename", "upload_from_bytes"]
