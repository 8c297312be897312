"""Done when (issue 20): a reply to an Instagram DM goes queued → sent (the fake Graph server got it
once), a permanent error shows as failed with its reason, an OnlyFans reply is manual with a copy
button, and an existing client's recorded messages never reach the fake server.

The task backend is the database one and a real `db_worker` sends, so "queued" is what the browser
sees before the worker runs; the page is correct on reload (live updates come with their issue).
"""

import json

import pytest
from playwright.sync_api import expect

from crm.choices import Platform
from crm.models import Message, PlatformAccount
from tests.factories import ApiKeyFactory, ConversationFactory, FanFactory, PlatformAccountFactory
from tests.webhooks.test_worker_kill import worker

from .conftest import log_in, snap

pytestmark = [pytest.mark.e2e, pytest.mark.once]

FAN_IGSID = "17841405822304914"


def run_worker(fake_graph) -> None:
    proc = worker("--batch", "--interval", "0", INSTAGRAM_GRAPH_URL=fake_graph.url, DJANGO_SETTINGS_MODULE="tests.webhooks.delivery_worker_settings")
    output, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0, output.decode()[-3000:]


def test_replies_are_delivered_with_a_visible_status(laptop, e2e_creator, fake_graph, settings, live_server):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    page = laptop
    account = PlatformAccountFactory(creator=e2e_creator, external_account_id="17841400000000001", username="studio_ig")
    ig_fan = FanFactory(creator=e2e_creator, platform=Platform.INSTAGRAM, platform_id=FAN_IGSID, name="Ivy Insta")
    dm = ConversationFactory(creator=e2e_creator, fan=ig_fan, platform=Platform.INSTAGRAM)
    of_fan = FanFactory(creator=e2e_creator, platform=Platform.ONLYFANS, name="Olly Fans")
    of_thread = ConversationFactory(creator=e2e_creator, fan=of_fan, platform=Platform.ONLYFANS)

    # An existing seed-002 client records a message it sent elsewhere: delivery is off.
    key = ApiKeyFactory(creator=e2e_creator)
    answer = page.request.post(
        f"{live_server.url}/api/v1/messages",
        headers={"Authorization": f"Bearer {key.raw_key}", "Content-Type": "application/json"},
        data=json.dumps({"conversation_id": dm.pk, "message": "Logged from another tool"}),
    )
    assert answer.status == 201 and answer.json()["data"]["delivery"]["status"] == "recorded"

    # The creator pastes the token and switches delivery on.
    log_in(page)
    page.goto("/settings/#instagram")
    form = page.locator(f"#account-{account.pk}")
    expect(form).to_contain_text("Sending replies through Instagram: off")
    form.get_by_label("Access token").fill("IGAAT-e2e-token")
    form.get_by_label("Send replies through Instagram").check()
    form.get_by_role("button", name="Save delivery settings").click()
    expect(page.get_by_role("status")).to_contain_text("sending replies is on")
    assert PlatformAccount.objects.get(pk=account.pk).delivers

    # A reply to the DM: queued, then sent once the worker ran.
    page.goto(f"/inbox/{dm.pk}/")
    expect(page.locator(".reply-route")).to_contain_text("Replies are sent through Instagram.")
    page.get_by_role("textbox", name="Message").fill("Thanks Ivy, see you Friday!")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("status")).to_contain_text("Reply queued: it is being sent through Instagram.")
    reply = Message.objects.get(text="Thanks Ivy, see you Friday!")
    bubble = page.locator(f"#message-{reply.pk}")
    expect(bubble.locator(".delivery")).to_contain_text("Queued")
    run_worker(fake_graph)
    page.reload()
    expect(bubble.locator(".delivery")).to_contain_text("Sent")
    snap(page, "thread-delivered")
    assert [r.body["message"]["text"] for r in fake_graph.posts_to("/messages")] == ["Thanks Ivy, see you Friday!"]

    # A permanent error: failed, with Meta's reason and what to do.
    fake_graph.fail(10, "This message is sent outside of allowed window.", subcode=2534022)
    page.get_by_role("textbox", name="Message").fill("Are you still there?")
    page.get_by_role("button", name="Send").click()
    run_worker(fake_graph)
    page.reload()
    failed = page.locator(f"#message-{Message.objects.get(text='Are you still there?').pk} .delivery")
    expect(failed).to_contain_text("Failed")
    expect(failed).to_contain_text("Outside the 24-hour messaging window: This message is sent outside of allowed window.")
    expect(failed).to_contain_text("Wait for the fan to write again")
    expect(failed.get_by_role("button", name="Retry")).to_be_visible()
    snap(page, "thread-failed")

    # OnlyFans: manual, said plainly, with a copy button.
    page.goto(f"/inbox/{of_thread.pk}/")
    expect(page.locator(".reply-route")).to_contain_text("OnlyFans has no messaging API")
    page.get_by_role("textbox", name="Message").fill("New set drops tonight")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("status")).to_contain_text("Reply saved, not sent: OnlyFans has no messaging API.")
    manual = page.locator(".message.out .delivery").last
    expect(manual).to_contain_text("Not sent — send it yourself")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    copy = manual.locator("button[data-copy-text]")
    expect(copy).to_have_text("Copy text")
    copy.click()
    expect(copy).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == "New set drops tonight"
    snap(page, "thread-manual")

    # The fake server got the two Instagram replies, each once, and nothing else.
    texts = [r.body["message"]["text"] for r in fake_graph.requests]
    assert texts == ["Thanks Ivy, see you Friday!", "Are you still there?"]
    assert all(r.headers["Authorization"] == "Bearer IGAAT-e2e-token" for r in fake_graph.requests)
    assert Message.objects.get(text="Logged from another tool").delivery_status == "recorded"


def test_saved_replies_are_inserted_from_the_picker_and_the_shortcut(laptop, e2e_creator):
    from crm import services

    page = laptop
    fan = FanFactory(creator=e2e_creator, platform=Platform.ONLYFANS, name="Olly")
    thread = ConversationFactory(creator=e2e_creator, fan=fan, platform=Platform.ONLYFANS)
    services.saved_reply_create(creator=e2e_creator, title="Welcome", body="Hi {{ fan.name }}, {{ creator.display_name }} here!")
    log_in(page)
    page.goto(f"/inbox/{thread.pk}/")
    box = page.get_by_role("textbox", name="Message")
    expect(page.locator(".saved-reply-picker button")).to_be_hidden()  # script on: no Insert button
    box.fill("Hello! ")
    box.press("End")
    page.keyboard.press("Alt+/")
    picker = page.get_by_label("Saved reply")
    expect(picker).to_be_focused()
    picker.select_option(label="Welcome")
    expect(box).to_have_value("Hello! Hi Olly, Studio E2E here!")
    expect(box).to_be_focused()
    snap(page, "thread-saved-reply")
