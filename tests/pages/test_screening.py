import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from screening.models import ScreeningFile, ScreeningMethod
from tests.factories import FanFactory, ScreeningFileFactory, ScreeningMethodFactory
from tests.helpers import assert_login_redirect, assert_status

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def pdf(name="passport.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def fan(page_client):
    return FanFactory(creator=page_client.creator, name="Screened Sam")


@pytest.fixture
def foreign(other_creator):
    fan = FanFactory(creator=other_creator)
    return {
        "fan": fan,
        "method": ScreeningMethodFactory(fan=fan),
        "file": ScreeningFileFactory(fan=fan),
    }


ROUTES = [
    ("post", "/fans/{fan}/screening/methods"),
    ("post", "/fans/{fan}/screening/methods/{method}"),
    ("post", "/fans/{fan}/screening/methods/{method}/delete"),
    ("post", "/fans/{fan}/screening/files"),
    ("get", "/fans/{fan}/screening/files/{file}/download"),
    ("post", "/fans/{fan}/screening/files/{file}/delete"),
    ("post", "/fans/{fan}/screening/decision"),
]
DATA = {"method_type": "references", "status": "completed", "details": "x"}


def _state(objects):
    objects["fan"].refresh_from_db()
    return (
        objects["fan"].screening_status,
        ScreeningMethod.objects.filter(pk=objects["method"].pk).values_list("status", flat=True).first(),
        ScreeningFile.objects.filter(pk=objects["file"].pk).exists(),
        ScreeningMethod.objects.count(),
        ScreeningFile.objects.count(),
    )


@pytest.mark.parametrize("method, path", ROUTES)
def test_anonymous_is_sent_to_login(client, foreign, method, path):
    before = _state(foreign)
    url = path.format(fan=foreign["fan"].pk, method=foreign["method"].pk, file=foreign["file"].pk)
    assert_login_redirect(getattr(client, method)(url, {**DATA, "status": "approved"}), url)
    assert _state(foreign) == before


@pytest.mark.parametrize("method, path", ROUTES)
def test_another_creators_objects_are_404(page_client, fan, foreign, method, path):
    before = _state(foreign)
    # Their fan in the path, and also their method/file under one of our own fans.
    for fan_id in (foreign["fan"].pk, fan.pk):
        url = path.format(fan=fan_id, method=foreign["method"].pk, file=foreign["file"].pk)
        data = {**DATA, "status": "approved", "file": pdf()}
        response = getattr(page_client, method)(url, data)
        if "{method}" in path or "{file}" in path or fan_id == foreign["fan"].pk:
            assert_status(response, 404)
    assert _state(foreign)[:3] == before[:3]


def test_fan_page_shows_screening_section(page_client, fan):
    ScreeningMethodFactory(fan=fan, details="Called the agency")
    ScreeningFileFactory(fan=fan, original_name="licence.png")
    response = page_client.get(f"/fans/{fan.pk}/")
    assert_status(response, 200)
    body = response.content.decode()
    assert "Called the agency" in body and "licence.png" in body and 'id="screening"' in body


def test_fan_page_element_ids_are_unique(page_client, fan):
    """Every form of the page (profile, notes, transaction, each method, new method, file,
    decision) labels its own fields: no id is used twice."""
    import re
    from collections import Counter

    methods = [ScreeningMethodFactory(fan=fan), ScreeningMethodFactory(fan=fan)]
    body = page_client.get(f"/fans/{fan.pk}/").content.decode()
    ids = Counter(re.findall(r'\sid="([^"]+)"', body))
    assert [name for name, count in ids.items() if count > 1] == []
    for name in (
        "id_decision_client_category", "id_screeningfile_file", "id_newmethod_details",
        *(f"id_method{m.pk}_details" for m in methods),
    ):
        assert ids[name] == 1, name


def test_add_update_and_remove_method(page_client, fan):
    response = page_client.post(f"/fans/{fan.pk}/screening/methods", {"method_type": "references", "details": "Ref from A", "status": "pending"})
    assert response.status_code == 302 and response["Location"] == f"/fans/{fan.pk}/#screening"
    method = ScreeningMethod.objects.get(fan=fan)
    assert method.details == "Ref from A"
    page_client.post(f"/fans/{fan.pk}/screening/methods/{method.pk}", {"method_type": "references", "details": "Checked", "status": "completed"})
    method.refresh_from_db()
    assert (method.status, method.details) == ("completed", "Checked")
    page_client.post(f"/fans/{fan.pk}/screening/methods/{method.pk}/delete")
    assert not ScreeningMethod.objects.exists()


@pytest.mark.parametrize(
    "data, field",
    [
        ({"method_type": "telepathy", "status": "pending"}, "method_type"),
        ({"method_type": "references", "status": "done"}, "status"),
        ({"method_type": "references", "status": "pending", "details": "x" * 10_001}, "details"),
    ],
)
def test_add_method_invalid(page_client, fan, data, field):
    response = page_client.post(f"/fans/{fan.pk}/screening/methods", data)
    assert_status(response, 400)
    assert field in response.context["new_method_form"].errors
    assert f'id="id_newmethod_{field}_error"' in response.content.decode()
    assert not ScreeningMethod.objects.exists()


def test_update_method_invalid_shows_errors_on_that_method(page_client, fan):
    method = ScreeningMethodFactory(fan=fan, status="pending")
    response = page_client.post(f"/fans/{fan.pk}/screening/methods/{method.pk}", {"method_type": "references", "status": "nope"})
    assert_status(response, 400)
    assert f'id="id_method{method.pk}_status_error"' in response.content.decode()
    method.refresh_from_db()
    assert method.status == "pending"


def test_upload_download_and_delete_file(page_client, fan):
    response = page_client.post(f"/fans/{fan.pk}/screening/files", {"file": pdf("my passport.pdf")})
    assert response.status_code == 302
    stored = ScreeningFile.objects.get(fan=fan)
    assert stored.original_name == "my passport.pdf" and stored.content_type == "application/pdf"
    assert "my passport" not in stored.file.name
    download = page_client.get(f"/fans/{fan.pk}/screening/files/{stored.pk}/download")
    assert_status(download, 200)
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PDF
    assert page_client.post(f"/fans/{fan.pk}/screening/files/{stored.pk}/delete").status_code == 302
    assert not ScreeningFile.objects.exists()


@pytest.mark.parametrize(
    "upload, message",
    [
        (None, "This field is required."),
        (SimpleUploadedFile("evil.pdf", b"MZ\x90\x00" * 20), "Unsupported file type"),
        (SimpleUploadedFile("doc.png", PDF), "File extension does not match its content"),
    ],
)
def test_upload_invalid_file_is_a_field_error(page_client, fan, upload, message):
    response = page_client.post(f"/fans/{fan.pk}/screening/files", {"file": upload} if upload else {})
    assert_status(response, 400)
    assert message in " ".join(response.context["screening_file_form"].errors["file"])
    assert 'id="id_screeningfile_file_error"' in response.content.decode()
    assert not ScreeningFile.objects.exists()


def test_approve_sets_screened_and_records_who(page_client, fan):
    response = page_client.post(f"/fans/{fan.pk}/screening/decision", {"status": "approved"})
    assert response.status_code == 302
    fan.refresh_from_db()
    assert fan.screening_status == "approved" and fan.client_category == "screened"
    assert fan.screening_decided_by == page_client.creator.user


def test_reject_keeps_category_and_explicit_category_wins(page_client, fan):
    page_client.post(f"/fans/{fan.pk}/screening/decision", {"status": "rejected"})
    fan.refresh_from_db()
    assert (fan.screening_status, fan.client_category) == ("rejected", "unscreened")
    page_client.post(f"/fans/{fan.pk}/screening/decision", {"status": "approved", "client_category": "subscriber"})
    fan.refresh_from_db()
    assert (fan.screening_status, fan.client_category) == ("approved", "subscriber")


def test_decision_invalid(page_client, fan):
    response = page_client.post(f"/fans/{fan.pk}/screening/decision", {"status": "maybe"})
    assert_status(response, 400)
    assert "status" in response.context["decision_form"].errors
    fan.refresh_from_db()
    assert fan.screening_status == "pending"


@pytest.mark.parametrize("rows", [1, 30])
def test_fan_page_with_screening_rows_has_a_fixed_query_count(page_client, fan, django_assert_num_queries, rows):
    from .test_fans import FAN_PAGE_QUERIES

    for _ in range(rows):
        ScreeningMethodFactory(fan=fan)
        ScreeningFileFactory(fan=fan)
    with django_assert_num_queries(FAN_PAGE_QUERIES):
        assert_status(page_client.get(f"/fans/{fan.pk}/"), 200)
