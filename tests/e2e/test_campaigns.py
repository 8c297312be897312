"""Done when (issue 21): a message scheduled in the thread goes out at its time, a segment is
built, a PPV mass message goes to it with the do-not-contact fan skipped, an unlock recorded
through the API shows in the report.

The task backend is the database one and a real `db_worker` runs (batch): the scheduled message's
task waits for its `run_after`; the test moves its time into the past rather than waiting.
"""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from playwright.sync_api import expect

from crm.choices import Platform
from crm.models import MassMessage, Message, ScheduledMessage
from tests.factories import ConversationFactory, FanFactory, PlatformAccountFactory, TagFactory
from tests.helpers import jwt_for

from .conftest import log_in, snap
from .test_delivery import run_worker

pytestmark = [pytest.mark.e2e, pytest.mark.once]


def instagram_fan(creator, name, igsid, tag, **kwargs):
    fan = FanFactory(
        creator=creator, platform=Platform.INSTAGRAM, platform_id=igsid, name=name,
        last_seen_at=timezone.now() - timedelta(hours=2), **kwargs,
    )
    fan.tags.add(tag)
    return fan, ConversationFactory(creator=creator, fan=fan, platform=Platform.INSTAGRAM)


def test_schedule_segment_ppv_mass_message_and_its_report(laptop, e2e_creator, fake_graph, settings, live_server):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    page = laptop
    PlatformAccountFactory(
        creator=e2e_creator, external_account_id="17841400000000001", access_token="IGAAT-e2e", delivery_enabled=True
    )
    vip = TagFactory(creator=e2e_creator, name="vip")
    ivy, ivy_thread = instagram_fan(e2e_creator, "Ivy Insta", "1784100000000011", vip)
    instagram_fan(e2e_creator, "Jay Gram", "1784100000000012", vip)
    instagram_fan(e2e_creator, "Dora Stop", "1784100000000013", vip, do_not_contact=True)
    log_in(page)

    # A reply scheduled for this evening, in the creator's time zone (UTC here).
    evening = (timezone.now() + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    page.goto(f"/inbox/{ivy_thread.pk}/")
    page.get_by_role("textbox", name="Message").fill("Good evening Ivy!")
    page.get_by_label("Send later").fill(evening)
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("status")).to_contain_text("Scheduled for")
    expect(page.locator("#thread")).not_to_contain_text("Good evening Ivy!")
    page.goto("/campaigns/")
    expect(page.locator("#scheduled-list")).to_contain_text("Good evening Ivy!")
    run_worker(fake_graph)  # not due: nothing goes out
    assert fake_graph.posts_to("/messages") == []
    # Its time comes (the row and its deferred task move to now), the worker sends it once.
    now = timezone.now()
    ScheduledMessage.objects.update(send_at=now)
    DBTaskResult.objects.filter(status="READY").update(run_after=now)
    run_worker(fake_graph)
    page.goto(f"/inbox/{ivy_thread.pk}/")
    sent = Message.objects.get(text="Good evening Ivy!")
    expect(page.locator(f"#message-{sent.pk} .delivery")).to_contain_text("Sent")

    # A segment: the fans tagged vip.
    page.goto("/campaigns/")
    page.locator("#new-segment summary").click()
    page.get_by_role("textbox", name="Name", exact=True).fill("VIP")
    page.get_by_label("Any of these tags").fill("vip")
    page.get_by_role("button", name="Save segment").click()
    expect(page.locator("[data-segment-count]")).to_have_text("3")
    expect(page.locator("#segment-members")).to_contain_text("Dora Stop")

    # A PPV mass message to it: previewed, then sent; Dora (do not contact) is skipped.
    page.get_by_role("link", name="Send a mass message").click()
    page.get_by_role("textbox", name="Message", exact=True).fill("Hi {{ fan.name }}, something special for you")
    page.get_by_label("PPV price (dollars)").fill("9.99")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#mass-preview")).to_contain_text("something special for you")
    expect(page.locator("#mass-estimate")).to_contain_text("Do not contact: 1")
    expect(page.get_by_text("OnlyFans and Fansly mass messages cannot be sent from here")).to_be_visible()
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("[data-report='recipients']")).to_have_text("3")
    run_worker(fake_graph)
    run_worker(fake_graph)  # the deliveries the first run queued
    page.reload()
    expect(page.locator("[data-report='sent']")).to_have_text("2")
    expect(page.locator("#mass-skipped")).to_contain_text("Do not contact: 1")
    expect(page.locator("[data-mass-status]")).to_have_text("Done")
    texts = sorted(r.body["message"]["text"] for r in fake_graph.posts_to("/messages"))
    assert texts == ["Good evening Ivy!", "Hi Ivy Insta, something special for you", "Hi Jay Gram, something special for you"]

    # Ivy unlocks it: the creator's payment system records the PPV through /api/crm.
    mass = MassMessage.objects.get()
    unlocked = mass.recipients.get(fan=ivy).message
    answer = page.request.post(
        f"{live_server.url}/api/crm/transactions",
        headers={"Authorization": f"Bearer {jwt_for(e2e_creator.user)}", "Content-Type": "application/json"},
        data=json.dumps({"fanId": ivy.pk, "kind": "ppv", "amount_cents": 999, "message_id": unlocked.pk}),
    )
    assert answer.status == 201 and answer.json()["transaction"]["message_id"] == unlocked.pk
    page.reload()
    expect(page.locator("[data-ppv='unlocked']")).to_have_text("1")
    expect(page.locator("[data-ppv='revenue']")).to_have_text("$9.99")
    expect(page.locator("[data-ppv='conversion']")).to_have_text("50.0%")
    expect(page.locator(f"[data-recipient='{ivy.pk}']")).to_contain_text("$9.99")
    snap(page, "mass-message-report")


def test_fans_ticked_on_the_fans_page_get_a_mass_message_with_a_file(laptop, e2e_creator, settings, tmp_path):
    """A selection instead of a segment, and a file: the live-chat visitor gets it in the chat,
    the Instagram fan is skipped (text-only transport) and the OnlyFans fan has no channel."""
    from crm import campaigns, chat
    from tests.factories import ChatVisitorFactory
    from tests.pages.test_inbox import PNG

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    PlatformAccountFactory(
        creator=e2e_creator, external_account_id="17841400000000001", access_token="IGAAT-e2e", delivery_enabled=True
    )
    visitor = ChatVisitorFactory(creator=e2e_creator, name="Vera Visitor")
    instagram_fan(e2e_creator, "Ivy Insta", "1784100000000011", TagFactory(creator=e2e_creator, name="vip"))
    FanFactory(creator=e2e_creator, name="Olive Fans", platform=Platform.ONLYFANS, last_seen_at=timezone.now())
    FanFactory(creator=e2e_creator, name="Not Picked")
    page = laptop
    log_in(page)
    for name in ("Vera Visitor", "Ivy Insta", "Olive Fans"):
        page.get_by_label(f"Select {name}").check()
    page.get_by_role("button", name="Mass message to the selected fans").click()
    expect(page.locator("#mass-selection")).to_contain_text("3 fans selected")
    teaser = tmp_path / "teaser.png"
    teaser.write_bytes(PNG)
    page.get_by_role("textbox", name="Message", exact=True).fill("Hi {{ fan.name }}, a teaser")
    page.get_by_label("Attachment").set_input_files(str(teaser))
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#mass-preview")).to_contain_text("a teaser")
    expect(page.locator("#mass-estimate")).to_contain_text("Cannot receive the file there")
    page.get_by_label("Attachment").set_input_files(str(teaser))  # a preview does not keep the file
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("#mass-attachment")).to_contain_text("teaser.png")
    mass = MassMessage.objects.get()
    while campaigns.mass_message_step(mass_id=mass.pk) is not None:
        pass
    page.reload()
    expect(page.locator("[data-report='sent']")).to_have_text("1")
    expect(page.locator("#mass-skipped")).to_contain_text("Cannot receive the file there")
    expect(page.locator("#mass-skipped")).to_contain_text("No delivery channel")
    received = chat.chat_messages(visitor=visitor)[-1]
    assert (received.text, received.attachment_name) == ("Hi Vera Visitor, a teaser", "teaser.png")
    snap(page, "mass-message-selection-file")
