"""Uploaded files are judged by their content (magic bytes), never by their name or declared type."""

import hashlib
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile

from .exceptions import InvalidInput, PayloadTooLarge
from .ole import OLE2_MAGIC, is_word_document


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


# A real DOCX has tens of parts (a few hundred with many images), so its central directory is
# small; a 10 MiB ZIP can hold hundreds of thousands of empty entries, which zipfile would turn
# into as many objects. zipfile reads the directory by its declared size, so that is capped.
MAX_DOCX_DIRECTORY_BYTES = 512 * 1024
_ZIP_END_OF_DIRECTORY = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"


def _zip_directory_is_small(file) -> bool:
    """The end-of-central-directory record exists, is not ZIP64, and declares a small directory."""
    file.seek(0, 2)
    size = file.tell()
    tail_start = max(0, size - (22 + 0xFFFF))  # the record plus the longest possible comment
    file.seek(tail_start)
    tail = file.read()
    at = tail.rfind(_ZIP_END_OF_DIRECTORY)
    if at < 0 or len(tail) < at + 22:
        return False
    if at >= 20 and tail[at - 20 : at - 16] == _ZIP64_LOCATOR:
        return False
    directory_bytes = int.from_bytes(tail[at + 12 : at + 16], "little")
    return directory_bytes <= MAX_DOCX_DIRECTORY_BYTES


def _is_docx(file) -> bool:
    # Any ZIP starts with PK; a Word document is the one holding the OOXML parts list and a
    # word/document.xml part. Only the central directory is read, never a member's content.
    file.seek(0)
    try:
        if not _zip_directory_is_small(file):
            return False
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
            return {"[Content_Types].xml", "word/document.xml"} <= names
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
    if head.startswith(OLE2_MAGIC):
        # Excel, PowerPoint and MSI installers share this signature; only Word is a DOC.
        file.seek(0)
        data = file.read()
        file.seek(0)
        return DOC if is_word_document(data) else None
    if head.startswith(b"PK\x03\x04") and _is_docx(file):
        return DOCX
    return None


_UNSAFE_NAME_CHARS = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")
# Control, format (bidi overrides such as U+202E that disguise "gpj.exe" as "exe.jpg"),
# surrogate and line/paragraph separator characters never belong in a displayed name.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
MAX_NAME_LENGTH = 200


def sanitise_filename(name: str, fallback: str = "file") -> str:
    """A display name with no path, no control characters and no quoting tricks."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").split("/")[-1]
    name = "".join("_" if unicodedata.category(c) in _INVISIBLE_CATEGORIES else c for c in name)
    name = _UNSAFE_NAME_CHARS.sub("_", name).strip(" .")
    if not name:
        return fallback
    if len(name) > MAX_NAME_LENGTH:
        # Keep the extension: it is what the type check compares with the content.
        suffix = PurePosixPath(name).suffix[:16]
        name = name[: MAX_NAME_LENGTH - len(suffix)].rstrip(" .") + suffix
    return name


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
    return SimpleUploadedFile(name, data)


__all__ = ["CheckedUpload", "check_upload", "sanitise_filename", "upload_from_bytes"]
