"""Small but genuine files of every kind the upload validator meets, hostile ones included."""

import io
import struct
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00" + b"\x00" * 32
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
    b"<script>alert(1)</script></svg>"
)

_ENDOFCHAIN = 0xFFFFFFFE
_FREESECT = 0xFFFFFFFF
_FATSECT = 0xFFFFFFFD


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


DOCX = _zip(
    {
        "[Content_Types].xml": b'<?xml version="1.0"?><Types/>',
        "word/document.xml": b'<?xml version="1.0"?><w:document/>',
    }
)
ZIP = _zip({"readme.txt": b"not a word document"})
ZIP_WITH_DOCUMENT_ONLY = _zip({"word/document.xml": b"<x/>"})  # no OOXML parts list


def _dir_entry(name: str, entry_type: int, start: int = _ENDOFCHAIN, size: int = 0) -> bytes:
    encoded = (name + "\x00").encode("utf-16-le") if name else b""
    return (
        encoded.ljust(64, b"\x00")
        + struct.pack("<HBB", len(encoded), entry_type, 1)
        + struct.pack("<III", _FREESECT, _FREESECT, _FREESECT if entry_type != 5 else 1)
        + b"\x00" * 16
        + struct.pack("<IQQ", 0, 0, 0)
        + struct.pack("<IQ", start, size)
    )


def compound_file(stream_name: str, *, directory_loops: bool = False) -> bytes:
    """A minimal OLE2 compound file (v3, 512-byte sectors) holding one stream."""
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\x00" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, _ENDOFCHAIN, 0, _ENDOFCHAIN, 0)
        + struct.pack("<I", 0)
        + struct.pack("<108I", *([_FREESECT] * 108))
    )
    assert len(header) == 512
    directory_next = 1 if directory_loops else _ENDOFCHAIN
    fat = struct.pack("<128I", _FATSECT, directory_next, _ENDOFCHAIN, *([_FREESECT] * 125))
    directory = (
        _dir_entry("Root Entry", 5)
        + _dir_entry(stream_name, 2, start=2, size=512)
        + _dir_entry("", 0)
        + _dir_entry("", 0)
    )
    data = b"\x00" * 512
    return header + fat + directory + data


DOC = compound_file("WordDocument")
XLS = compound_file("Workbook")
DOC_WITH_LOOPING_DIRECTORY = compound_file("WordDocument", directory_loops=True)

VALID = {
    "id.jpg": (JPEG, "image/jpeg"),
    "id.png": (PNG, "image/png"),
    "id.pdf": (PDF, "application/pdf"),
    "id.doc": (DOC, "application/msword"),
    "id.docx": (DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
}


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)
