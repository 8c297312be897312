"""Done when (issue 19): a visitor on /c/<slug>/ and the creator in the inbox, two browser
contexts, exchange messages and a file both ways without any reload; then the blocked visitor is
refused even with a new cookie. Against the real processes (tests/e2e/live_stack.py): gunicorn
for the pages, the ASGI live process for both streams, behind the one-origin proxy."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LAPTOP, PHONE, checked_page

from .live_stack import live_stack  # noqa: F401 - a fixture
from .test_live_updates import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.once]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 256
PDF = b"%PDF-1.4\n% a price list\n" + b"0" * 256
WITHIN_MS = 5000


def start_chat(page, name):
    page.goto("/c/studio-live/")
    page.get_by_label("What should the team call you?").fill(name)
    page.get_by_label("I consent to being contacted about this chat").check()
    page.get_by_role("button", name="Start chat").click()


def test_visitor_and_team_chat_live_then_the_blocked_visitor_is_refused(browser, live_stack):  # noqa: F811
    stack = live_stack
    visitor_pages = checked_page(browser, stack.url, PHONE)
    visitor = next(visitor_pages)
    start_chat(visitor, "Vera Visitor")
    visitor.wait_for_selector("#chat-send")
    assert "Nobody is online right now" in visitor.locator("[data-chat-presence]").inner_text()

    team_pages = checked_page(browser, stack.url, LAPTOP)
    team = next(team_pages)
    log_in(team, stack.creator_email, stack.password)
    team.goto("/inbox/")
    row = team.locator("#inbox-list li", has_text="Vera Visitor")
    assert "Chat · online" in row.inner_text()
    row.locator("a.row-title").click()
    team.wait_for_selector("#chat-panel")
    # Neither page reloads from here on: a reload would drop these marks.
    visitor.evaluate("window.__mark = 'visitor'")
    team.evaluate("window.__mark = 'team'")

    # The visitor writes; the open thread shows it live.
    visitor.locator("#chat-text").fill("Hello! Do you take commissions?")
    visitor.get_by_role("button", name="Send", exact=True).click()
    team.locator("#thread-messages li[data-message]", has_text="Do you take commissions?").wait_for(timeout=WITHIN_MS)
    visitor.locator("#chat-messages li", has_text="Do you take commissions?").wait_for()

    # The team answers from the inbox; the visitor's page shows it live.
    team.locator("#id_text").fill("Hi Vera, yes I do. What do you have in mind?")
    team.locator("#reply").get_by_role("button", name="Send", exact=True).click()
    visitor.locator("#chat-messages li", has_text="What do you have in mind?").wait_for(timeout=WITHIN_MS)
    expect(team.locator("#id_text")).to_have_value("")  # the form was sent, the page stayed

    # A file each way.
    visitor.locator("#chat-files").set_input_files([{"name": "moodboard.png", "mimeType": "image/png", "buffer": PNG}])
    visitor.get_by_role("button", name="Send", exact=True).click()
    team.locator("#thread-messages a", has_text="moodboard.png").wait_for(timeout=WITHIN_MS)
    team.locator("#id_attachment").set_input_files([{"name": "price-list.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    team.locator("#id_text").fill("Here is my price list.")
    team.locator("#reply").get_by_role("button", name="Send", exact=True).click()
    link = visitor.locator("#chat-messages a", has_text="price-list.pdf")
    link.wait_for(timeout=WITHIN_MS)
    with visitor.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "price-list.pdf"
    assert Path(download.value.path()).read_bytes() == PDF

    assert visitor.evaluate("window.__mark") == "visitor" and team.evaluate("window.__mark") == "team"

    # Blocked: the visitor's page says so live and the send form goes.
    team.get_by_role("button", name="Block visitor").click()
    visitor.locator("[data-chat-ended]", has_text="This chat is not available to you.").wait_for(timeout=WITHIN_MS)
    assert visitor.locator("#chat-send").is_hidden()

    # A new browser (a fresh cookie) from the same address is refused, clearly.
    fresh_pages = checked_page(browser, stack.url, PHONE)
    fresh = next(fresh_pages)
    start_chat(fresh, "Vera Again")
    assert "This chat is not available to you" in fresh.locator("[data-chat-error]").inner_text()
    assert fresh.locator("#chat-send").count() == 0
    api = fresh.request.post(f"{stack.url}/api/chat/start", data={"model_id": "studio-live", "name": "Vera API", "consent": True},
                             headers={"Origin": stack.url})
    assert api.status == 403 and api.json() == {"success": False, "error": "This chat is not available to you"}
    for pages in (fresh_pages, team_pages, visitor_pages):
        next(pages, None)
