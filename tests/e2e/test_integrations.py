"""Browser flows across apps: screening, API keys used against /api/v1, the public contact form
landing in the inbox, and the dashboard."""

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from crm.models import Fan
from screening.models import ScreeningFile
from tests.analytics.builders import build_dataset
from tests.factories import FanFactory

from .conftest import log_in, snap

pytestmark = [pytest.mark.e2e, pytest.mark.once]

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_upload_screening_file_and_approve(phone, e2e_creator, tmp_path):
    fan = FanFactory(creator=e2e_creator, name="Morgan Lee")
    id_file = tmp_path / "Morgan passport.pdf"
    id_file.write_bytes(PDF)
    page = phone
    log_in(page)
    page.goto(f"/fans/{fan.pk}/")

    page.locator("#screening summary").click()
    page.get_by_role("combobox", name="Method").select_option("id_verification")
    page.locator("#id_newmethod_details").fill("Passport checked on video call")
    page.get_by_role("button", name="Add method").click()
    expect(page.get_by_role("status")).to_contain_text("Screening method added.")

    page.get_by_label("ID file").set_input_files(str(id_file))
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("status")).to_contain_text("uploaded")
    download_link = page.get_by_role("link", name="Morgan passport.pdf")
    expect(download_link).to_be_visible()
    with page.expect_download() as download_info:
        download_link.click()
    download = download_info.value
    assert download.suggested_filename == "Morgan passport.pdf"
    assert Path(download.path()).read_bytes() == PDF

    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status")).to_contain_text("Screening approved.")
    snap(page, "fan-screening")
    fan.refresh_from_db()
    assert fan.screening_status == "approved" and fan.client_category == "screened"
    assert ScreeningFile.objects.filter(fan=fan).count() == 1


def test_api_key_from_settings_works_against_v1(phone, e2e_creator, live_server):
    FanFactory(creator=e2e_creator, name="Visible Via Api", client_identifier="via-api")
    page = phone
    log_in(page)
    page.goto("/settings/")
    page.get_by_role("textbox", name="Name", exact=True).fill("Integration")
    page.get_by_role("button", name="Create key").click()
    raw_key = page.get_by_label("New API key").input_value()

    request = urllib.request.Request(
        f"{live_server.url}/api/v1/clients", headers={"Authorization": f"Bearer {raw_key}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback live server
        body = json.loads(response.read())
    assert body["success"] is True
    assert [c["client_identifier"] for c in body["data"]] == ["via-api"]

    page.reload()
    expect(page.locator("#api-keys tbody tr").first).not_to_contain_text("never")  # last used shown
    page.get_by_role("button", name="Revoke Integration").click()
    expect(page.get_by_role("status")).to_contain_text("revoked")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)  # noqa: S310
    assert refused.value.code == 401


def test_public_contact_form_lands_in_the_inbox(phone, e2e_creator):
    page = phone
    page.goto(f"/c/{e2e_creator.slug}/")
    snap(page, "contact")
    page.get_by_label("Name").fill("Casey Newfan")
    page.get_by_label("Email").fill("casey@example.com")
    page.get_by_role("textbox", name="Message").fill("Hi! I loved the last set, are you taking bookings?")
    page.get_by_label("I agree to be contacted").check()
    page.get_by_role("button", name="Send message").click()
    expect(page.get_by_role("status")).to_contain_text("Thank you! Your message has been sent.")
    assert Fan.objects.filter(creator=e2e_creator, name="Casey Newfan").exists()

    log_in(page)
    page.goto("/inbox/")
    row = page.locator(".inbox-rows .row.unread", has_text="Casey Newfan")
    expect(row).to_have_count(1)
    row.get_by_role("link").click()
    expect(page.locator(".message.in")).to_contain_text("are you taking bookings?")
    snap(page, "contact-thread")


def test_dashboard(phone, e2e_creator):
    build_dataset(e2e_creator, now=timezone.now())  # charts and tables drawn, not empty frames
    page = phone
    log_in(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    page.wait_for_url("**/dashboard/")
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    expect(page.locator(".kpi")).to_have_count(4)
    expect(page.locator("svg")).to_have_count(3)
    expect(page.get_by_role("rowheader", name="Bob")).to_be_visible()
    snap(page, "dashboard")
