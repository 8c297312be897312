"""The creator's daily work in a real browser, at phone width, with no page needing JavaScript."""

import re

import pytest
from playwright.sync_api import expect

from crm.models import Fan

from .conftest import log_in, snap

pytestmark = [pytest.mark.e2e, pytest.mark.once]


def test_fan_note_transaction_and_message(phone, e2e_creator):
    page = phone
    log_in(page)
    snap(page, "fans-empty")

    page.get_by_role("link", name="New fan").click()
    page.get_by_label("Name").fill("Jamie Rivera")
    page.get_by_role("combobox", name="Platform").select_option("fansly")
    page.get_by_label("Handle").fill("@jamie")
    page.get_by_label("Tags").fill("vip, regular")
    snap(page, "fan-new")
    page.get_by_role("button", name="Create fan").click()
    expect(page.get_by_role("status")).to_contain_text("Fan “Jamie Rivera” created.")
    fan = Fan.objects.get(creator=e2e_creator)
    assert page.url.endswith(f"/fans/{fan.pk}/")

    page.get_by_role("textbox", name="Notes").fill("Prefers evening chats.")
    page.get_by_role("button", name="Save notes").click()
    expect(page.get_by_role("status")).to_contain_text("Notes saved.")
    expect(page.get_by_role("textbox", name="Notes")).to_have_value("Prefers evening chats.")

    page.get_by_role("combobox", name="Kind").select_option("tip")
    page.get_by_label("Amount").fill("25.50")
    page.get_by_role("button", name="Record").click()
    expect(page.get_by_role("status")).to_contain_text("Tip of $25.50 recorded.")
    expect(page.locator("#transactions tbody tr")).to_have_count(1)
    snap(page, "fan-page")

    page.get_by_role("button", name="Message").click()
    page.wait_for_url(re.compile(r"/inbox/\d+/$"))
    page.get_by_role("textbox", name="Message").fill("Thanks for the tip, Jamie!")
    page.get_by_role("button", name="Send").click()
    # Fansly has no messaging API: the reply is saved for a person to send (issue 20).
    expect(page.get_by_role("status")).to_contain_text("Reply saved, not sent: Fansly has no messaging API.")
    expect(page.locator(".message.out")).to_contain_text("Thanks for the tip, Jamie!")
    snap(page, "thread")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Inbox").click()
    expect(page.locator(".inbox-rows .row")).to_have_count(1)
    snap(page, "inbox")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Fans").click()
    expect(page.locator(".fan-rows .row")).to_contain_text("Jamie Rivera")
    snap(page, "fans")

    fan.refresh_from_db()
    assert fan.notes == "Prefers evening chats." and fan.value_cents == 2550

    page.goto(f"/fans/{fan.pk}/")
    page.get_by_role("link", name="Delete fan…").click()
    snap(page, "fan-delete")
    page.get_by_role("button", name="Delete fan").click()
    expect(page.get_by_role("status")).to_contain_text("Fan deleted.")  # no name: erasure
    assert not Fan.objects.filter(pk=fan.pk).exists()


def test_invalid_forms_show_errors_next_to_fields(phone, e2e_creator):
    page = phone
    log_in(page)
    page.goto("/fans/new/")
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_role("button", name="Create fan").click()
    expect(page.locator("#id_email_error")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_attribute("aria-invalid", "true")
    snap(page, "fan-new-errors")


def test_settings_api_key_shown_once(phone, e2e_creator):
    page = phone
    log_in(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    page.get_by_role("textbox", name="Name", exact=True).fill("Zapier")
    page.get_by_role("button", name="Create key").click()
    raw_key = page.get_by_label("New API key").input_value()
    assert raw_key.startswith("pk_")
    expect(page.locator("#api-keys tbody tr")).to_have_count(1)
    snap(page, "settings")
    page.reload()
    expect(page.get_by_label("New API key")).to_have_count(0)


def test_lists_page_at_phone_and_laptop_width(phone, laptop, e2e_creator, monkeypatch):
    """Seeded lists with pagination render without overflow on both screens."""
    from crm import services
    from crm.choices import Direction

    monkeypatch.setattr("crm.selectors.PAGE_SIZE", 5)
    for i in range(8):
        fan = services.fan_create(
            creator=e2e_creator, platform="onlyfans", name=f"Fan with a rather long display name {i}",
            handle=f"@fan_{i}_handle_that_is_long", tags=["vip", f"cohort-{i % 3}"],
        )
        services.transaction_record(fan=fan, kind="tip", amount_cents=1000 * (i + 1))
        conversation, _ = services.conversation_open(fan=fan)
        services.message_add(conversation=conversation, direction=Direction.INCOMING, text="x" * 300)
    for page, screen in ((phone, "phone"), (laptop, "laptop")):
        log_in(page)
        page.goto("/fans/?sort=value")
        expect(page.locator(".fan-rows .row")).to_have_count(5)
        snap(page, f"fans-paged-{screen}")
        page.get_by_role("link", name="Next →").click()
        expect(page.locator(".fan-rows .row")).to_have_count(3)
        page.get_by_role("link", name="← Previous").click()
        expect(page.locator(".fan-rows .row")).to_have_count(5)
        page.goto("/inbox/")
        expect(page.locator(".inbox-rows .row.unread")).to_have_count(5)
        snap(page, f"inbox-{screen}")
        page.locator(".inbox-rows .row-title").first.click()
        snap(page, f"thread-{screen}")
        page.goto("/settings/")
        snap(page, f"settings-{screen}")
