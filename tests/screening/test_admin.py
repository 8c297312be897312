import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from screening import services
from tests.factories import ScreeningFileFactory, ScreeningMethodFactory, UserFactory
from tests.helpers import page_client_for, staff_login
from tests.screening import samples

pytestmark = pytest.mark.django_db


def staff_client(*permissions: str, superuser: bool = False) -> Client:
    user = UserFactory(is_staff=True, is_superuser=superuser)
    for codename in permissions:
        user.user_permissions.add(Permission.objects.get(codename=codename, content_type__app_label="screening"))
    return staff_login(page_client_for(user), user)


@pytest.fixture
def stored_file(fan):
    return services.screening_file_upload(fan=fan, upload=samples.upload("../Élodie ID.pdf", samples.PDF))


def download_url(row) -> str:
    return f"/admin/screening/screeningfile/{row.pk}/download/"


def test_staff_with_view_permission_downloads_an_attachment(stored_file):
    response = staff_client("view_screeningfile").get(download_url(stored_file))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == samples.PDF
    assert response["Content-Disposition"] == (
        "attachment; filename=\"Elodie ID.pdf\"; filename*=UTF-8''%C3%89lodie%20ID.pdf"
    )
    assert response["X-Content-Type-Options"] == "nosniff"


def test_staff_without_the_permission_gets_403(stored_file):
    assert staff_client("view_screeningmethod", "change_screeningfile").get(download_url(stored_file)).status_code == 403


def test_non_staff_and_anonymous_are_sent_to_the_admin_login(stored_file, creator):
    for each in (page_client_for(creator.user), Client()):
        response = each.get(download_url(stored_file))
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]


def test_missing_file_is_404(stored_file):
    from core.storage import private_storage

    client = staff_client(superuser=True)
    assert client.get("/admin/screening/screeningfile/999999/download/").status_code == 404
    private_storage.delete(stored_file.file.name)
    assert client.get(download_url(stored_file)).status_code == 404


def test_file_admin_is_read_only_and_cannot_add(stored_file):
    client = staff_client(superuser=True)
    assert client.get("/admin/screening/screeningfile/add/").status_code == 403
    page = client.get(f"/admin/screening/screeningfile/{stored_file.pk}/change/")
    assert page.status_code == 200
    assert download_url(stored_file).encode() in page.content
    assert b'name="original_name"' not in page.content


@pytest.mark.parametrize("count", [1, 6])
def test_changelists_query_count_is_constant(fan, count, django_assert_num_queries):
    ScreeningFileFactory.create_batch(count, fan=fan)
    ScreeningMethodFactory.create_batch(count, fan=fan)
    client = staff_client(superuser=True)
    # session, user, verified device, count, rows joined with their fans, and the content-type
    # filter's distinct values (methods filter on fixed choices: no such query). The header's
    # acting creator is resolved only where a template shows it (not in the admin).
    with django_assert_num_queries(6):
        assert client.get("/admin/screening/screeningfile/").status_code == 200
    with django_assert_num_queries(5):
        assert client.get("/admin/screening/screeningmethod/").status_code == 200


@pytest.mark.urls("tests.screening.admin_urls")
def test_fan_admin_inlines_show_methods_and_files(fan, stored_file):
    ScreeningMethodFactory(fan=fan, details="Called the agency")
    client = staff_client(superuser=True)
    page = client.get(f"/inline-admin/crm/fan/{fan.pk}/change/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "Called the agency" in content
    assert "Élodie ID.pdf" in content
    assert download_url(stored_file) in content
    # Files cannot be added through the admin (uploads go through the validating service).
    assert 'id="screening_files-empty"' not in content


@pytest.mark.urls("tests.screening.admin_urls")
@pytest.mark.parametrize(("action", "status", "category"), [("approve_screening", "approved", "screened"), ("reject_screening", "rejected", "unscreened")])
def test_fan_admin_screening_actions_call_the_service(fan, action, status, category):
    client = staff_client(superuser=True)
    response = client.post(
        "/inline-admin/crm/fan/", {"action": action, "_selected_action": [fan.pk]}, follow=True
    )
    assert response.status_code == 200
    fan.refresh_from_db()
    assert (fan.screening_status, fan.client_category) == (status, category)
    assert fan.screening_decided_at is not None and fan.screening_decided_by.is_superuser


@pytest.mark.urls("tests.screening.admin_urls")
def test_screening_actions_need_the_change_permission(fan):
    from crm.models import Fan

    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_fan"))
    client = page_client_for(user)
    client.post("/inline-admin/crm/fan/", {"action": "approve_screening", "_selected_action": [fan.pk]})
    assert Fan.objects.get(pk=fan.pk).screening_status == "pending"


@pytest.mark.urls("tests.screening.admin_urls")
def test_fan_admin_file_inline_query_count_does_not_grow_with_files(fan):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = staff_client(superuser=True)
    url = f"/inline-admin/crm/fan/{fan.pk}/change/"
    assert client.get(url).status_code == 200  # warms the content-type cache
    counts = []
    for _ in range(2):
        # Each file has its own uploader: listing them must not cost a query per file.
        for _ in range(3):
            ScreeningFileFactory(fan=fan, uploaded_by=UserFactory())
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
