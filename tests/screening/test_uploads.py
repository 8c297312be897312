"""The upload validator (core.uploads) as screening uses it: content decides, the name must agree."""

import pytest

from core.exceptions import InvalidInput, PayloadTooLarge
from core.ole import is_word_document, stream_names
from core.uploads import SCREENING_KINDS, check_upload, sanitise_filename
from tests.screening import samples

pytestmark = pytest.mark.once


@pytest.mark.parametrize("name", sorted(samples.VALID))
def test_each_supported_type_is_accepted_with_its_sniffed_type(name):
    data, content_type = samples.VALID[name]
    checked = check_upload(samples.upload(name, data, "text/html"), kinds=SCREENING_KINDS)
    # The declared type (text/html here) is ignored; the content decides.
    assert checked.content_type == content_type
    assert checked.size == len(data)
    assert len(checked.sha256) == 64


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("setup.jpg", samples.EXE, "Unsupported file type"),
        ("page.html", samples.HTML, "Unsupported file type"),
        ("page.jpg", samples.HTML, "Unsupported file type"),
        ("image.svg", samples.SVG, "Unsupported file type"),
        ("image.png", samples.SVG, "Unsupported file type"),
        ("archive.docx", samples.ZIP, "Unsupported file type"),
        ("partial.docx", samples.ZIP_WITH_DOCUMENT_ONLY, "Unsupported file type"),
        ("sheet.doc", samples.XLS, "Unsupported file type"),
        ("broken.doc", samples.DOC_WITH_LOOPING_DIRECTORY, "Unsupported file type"),
        ("broken.docx", b"PK\x03\x04" + b"\x00" * 40, "Unsupported file type"),
        ("scan.png", samples.PDF, "File extension does not match its content"),
        ("scan", samples.PDF, "File extension does not match its content"),
        ("photo.jpg\x00.exe", samples.JPEG, "File extension does not match its content"),
        ("letter.pdf", samples.DOCX, "File extension does not match its content"),
    ],
)
def test_hostile_or_mismatched_files_are_refused(name, data, message):
    with pytest.raises(InvalidInput) as excinfo:
        check_upload(samples.upload(name, data), kinds=SCREENING_KINDS)
    assert excinfo.value.message.startswith(message)


def test_empty_missing_and_oversized_files_are_refused(settings):
    with pytest.raises(InvalidInput, match="File is empty"):
        check_upload(samples.upload("id.jpg", b""))
    with pytest.raises(InvalidInput, match="File is required"):
        check_upload(None)
    settings.UPLOAD_MAX_FILE_BYTES = len(samples.JPEG) - 1
    with pytest.raises(PayloadTooLarge):
        check_upload(samples.upload("id.jpg", samples.JPEG))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd.jpg", "passwd.jpg"),
        ("..\\..\\boot.ini.png", "boot.ini.png"),
        ("id\x00card.jpg", "id_card.jpg"),
        ('a"b<c>|d.pdf', "a_b_c_d.pdf"),
        ("invoice\u202egpj.exe", "invoice_gpj.exe"),  # right-to-left override
        ("..", "file"),
        ("", "file"),
        ("  .hidden. ", "hidden"),
        ("ｉｄ.jpg", "ｉｄ.jpg"),  # NFC keeps full-width letters; they are harmless
    ],
)
def test_sanitise_filename(raw, expected):
    assert sanitise_filename(raw) == expected


def test_long_names_keep_their_extension():
    name = sanitise_filename("x" * 500 + ".jpeg")
    assert len(name) == 200
    assert name.endswith(".jpeg")
    checked = check_upload(samples.upload("x" * 500 + ".jpeg", samples.JPEG))
    assert checked.original_name == name


def test_ole_directory_reader():
    assert is_word_document(samples.DOC)
    assert not is_word_document(samples.XLS)
    assert stream_names(samples.XLS) == {"Workbook"}
    # Truncated, looping or foreign data is "not a compound file", never an exception.
    assert stream_names(samples.DOC[:600]) == frozenset()
    assert stream_names(samples.DOC_WITH_LOOPING_DIRECTORY) == frozenset()
    assert stream_names(samples.PDF) == frozenset()
    corrupt = bytearray(samples.DOC)
    corrupt[0x30:0x34] = b"\x10\x00\x00\x00"  # directory sector beyond the end of the file
    assert stream_names(bytes(corrupt)) == frozenset()


def test_docx_with_an_oversized_central_directory_is_refused(monkeypatch):
    import core.uploads

    many = samples._zip({"[Content_Types].xml": b"", "word/document.xml": b"", **{f"x/{i}": b"" for i in range(300)}})
    assert check_upload(samples.upload("big.docx", many)).content_type.endswith("document")
    monkeypatch.setattr(core.uploads, "MAX_DOCX_DIRECTORY_BYTES", 1000)
    with pytest.raises(InvalidInput, match="Unsupported file type"):
        check_upload(samples.upload("big.docx", many))
    # A ZIP without an end-of-directory record is not parsed at all.
    with pytest.raises(InvalidInput, match="Unsupported file type"):
        check_upload(samples.upload("cut.docx", samples.DOCX[:-22]))


def test_ole_file_declaring_more_fat_sectors_than_it_could_need_is_refused():
    lying = bytearray(samples.DOC)
    lying[0x2C:0x30] = (10_000).to_bytes(4, "little")
    assert stream_names(bytes(lying)) == frozenset()
