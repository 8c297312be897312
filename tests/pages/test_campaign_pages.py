"""Campaigns on the pages (the thread's "Send later" and PPV price, the campaigns page, segments,
mass messages and their report) and in /api/crm (`send_at`, a transaction's `message_id`)."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from crm import campaigns, services
from crm.choices import Direction, Platform, ScheduledStatus
from crm.models import Creator, MassMessage, Message, ScheduledMessage, Segment, Transaction
from tests.factories import ConversationFactory, FanFactory, PlatformAccountFactory
from tests.helpers import assert_crm_error, assert_status

pytestmark = pytest.mark.django_db


def local_input(dt: datetime, tz: str) -> str:
    from zoneinfo import ZoneInfo

    return dt.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%dT%H:%M")


def test_send_later_in_the_creators_time_zone(page_client):
    Creator.objects.filter(pk=page_client.creator.pk).update(timezone="America/New_York")
    conversation = ConversationFactory(fan=FanFactory(creator=page_client.creator))
    response = page_client.post(
        f"/inbox/{conversation.pk}/send", {"text": "At 7 pm", "send_at": "2099-01-10T19:00"}
    )
    assert response.status_code == 400  # more than a year ahead
    assert "more than a year ahead" in response.content.decode()
    when = (timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    response = page_client.post(
        f"/inbox/{conversation.pk}/send",
        {"text": "At 7 pm", "send_at": local_input(when, "America/New_York"), "price": "9.99"},
    )
    assert response.status_code == 302
    scheduled = ScheduledMessage.objects.get()
    assert scheduled.send_at == when and scheduled.price_cents == 999
    assert not Message.objects.exists()
    page = page_client.get(f"/inbox/{conversation.pk}/")
    assert "At 7 pm" not in page.content.decode()  # not in the thread until sent
    listing = page_client.get("/campaigns/").content.decode()
    assert "At 7 pm" in listing
    # Another format (a zone of its own, a US date) is refused, nothing stored.
    for bad in ["2026-12-24T19:00:00+01:00", "12/24/2026 7pm"]:
        response = page_client.post(f"/inbox/{conversation.pk}/send", {"text": "x", "send_at": bad})
        assert response.status_code == 400
        assert "date picker" in response.content.decode()
    assert ScheduledMessage.objects.count() == 1
    page_client.post(f"/campaigns/scheduled/{scheduled.pk}/cancel")
    assert ScheduledMessage.objects.get().status == ScheduledStatus.CANCELLED


def test_a_ppv_price_on_a_reply_and_on_a_platform_without_ppv(page_client):
    conversation = ConversationFactory(fan=FanFactory(creator=page_client.creator))  # OnlyFans
    assert page_client.post(f"/inbox/{conversation.pk}/send", {"text": "Unlock", "price": "12.50"}).status_code == 302
    assert Message.objects.get().price_cents == 1250
    tiktok = ConversationFactory(creator=page_client.creator, fan=FanFactory(creator=page_client.creator, platform=Platform.TIKTOK))
    response = page_client.post(f"/inbox/{tiktok.pk}/send", {"text": "Unlock", "price": "5"})
    assert response.status_code == 400 and "no pay-per-view" in response.content.decode()


def test_segment_page_and_mass_message_report(page_client, django_capture_on_commit_callbacks, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    creator = page_client.creator
    PlatformAccountFactory(creator=creator, external_account_id="1784222", access_token="tok", delivery_enabled=True)
    fans = [
        FanFactory(creator=creator, platform=Platform.INSTAGRAM, value_cents=20000, last_seen_at=timezone.now())
        for _ in range(2)
    ]
    FanFactory(creator=creator, value_cents=50)
    response = page_client.post("/campaigns/segments", {"name": "Big spenders", "spend_min": "10000"})
    segment = Segment.objects.get()
    assert response.status_code == 302
    detail = page_client.get(f"/campaigns/segments/{segment.pk}/").content.decode()
    assert "<strong data-segment-count>2</strong>" in detail
    bad = page_client.post("/campaigns/segments", {"name": "Bad", "spend_min": "lots"})
    assert bad.status_code == 400 and "Invalid spend_min" in bad.content.decode()
    preview = page_client.post("/campaigns/mass/new", {"segment": segment.pk, "text": "Hi {{ fan.name }}", "action": "preview"})
    assert f"Hi {fans[0].name}" in preview.content.decode() or f"Hi {fans[1].name}" in preview.content.decode()
    assert "cannot be sent from here" in preview.content.decode()
    unknown = page_client.post("/campaigns/mass/new", {"segment": segment.pk, "text": "Hi {{ fan.phone }}", "action": "send"})
    assert unknown.status_code == 400 and "Unknown variable" in unknown.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        sent = page_client.post("/campaigns/mass/new", {"segment": segment.pk, "text": "Hi", "price": "5", "action": "send"})
    mass = MassMessage.objects.get()
    assert sent.status_code == 302
    campaigns.mass_message_step(mass_id=mass.pk)
    report = page_client.get(f"/campaigns/mass/{mass.pk}/").content.decode()
    assert '<dd data-report="recipients">2</dd>' in report
    assert '<dd data-report="in_flight">2</dd>' in report  # queued for Instagram
    message = Message.objects.filter(direction=Direction.OUTGOING).first()
    response = page_client.post(
        f"/fans/{message.fan_id}/transactions", {"kind": "ppv", "amount": "5.00", "message_id": message.pk}
    )
    assert response.status_code == 302
    assert Transaction.objects.get().message_id == message.pk
    report = page_client.get(f"/campaigns/mass/{mass.pk}/").content.decode()
    assert '<dd data-ppv="unlocked">1</dd>' in report and "$5.00" in report
    other = FanFactory(creator=creator)
    response = page_client.post(f"/fans/{other.pk}/transactions", {"kind": "ppv", "amount": "5.00", "message_id": message.pk})
    assert response.status_code == 400 and "not a message sent to this fan" in response.content.decode()
    assert page_client.post(f"/campaigns/mass/{mass.pk}/explode").status_code == 404


def test_a_mass_message_to_fans_ticked_on_the_fans_page(page_client, other_creator, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    creator = page_client.creator
    picked = [FanFactory(creator=creator, name=f"Picked {i}", consent_source="manual") for i in range(2)]
    FanFactory(creator=creator, name="Not picked")
    theirs = FanFactory(creator=other_creator)
    fans_page = page_client.get("/fans/").content.decode()
    assert 'id="fan-selection"' in fans_page and f'name="fan" value="{picked[0].pk}"' in fans_page
    # The fans page's form is a GET to the new mass message with the ticked ids; another
    # creator's id (or a malformed one) slipped in is dropped.
    ids = [picked[0].pk, picked[1].pk, theirs.pk, "x"]
    new = page_client.get("/campaigns/mass/new", {"fan": ids}).content.decode()
    assert 'id="mass-selection">To: <strong>2</strong> fans selected' in new
    assert f'<input type="hidden" name="fan" value="{theirs.pk}">' not in new
    assert "Skipped — No delivery channel" in new  # OnlyFans fans: said before sending
    preview = page_client.post("/campaigns/mass/new", {"fan": ids, "text": "Hi {{ fan.name }}", "action": "preview"})
    assert re.search(r"<blockquote id=\"mass-preview\">Hi Picked [01]</blockquote>", preview.content.decode())
    sent = page_client.post("/campaigns/mass/new", {"fan": ids, "text": "Hi {{ fan.name }}", "action": "send"})
    assert sent.status_code == 302
    mass = MassMessage.objects.get()
    assert sorted(mass.recipients.values_list("fan_id", flat=True)) == sorted(f.pk for f in picked)
    assert mass.segment is None and mass.audience == "2 selected fans"
    nobody = page_client.post("/campaigns/mass/new", {"fan": [theirs.pk], "text": "Hi", "action": "send"})
    assert nobody.status_code == 400 and "none of these is one of your fans" in nobody.content.decode()
    assert MassMessage.objects.count() == 1


def test_a_mass_message_with_a_file_from_the_page_and_a_hostile_file_refused(page_client, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import ChatVisitorFactory
    from tests.pages.test_inbox import png_upload

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    visitor = ChatVisitorFactory(creator=page_client.creator, name="Visitor")
    form = {"fan": [visitor.fan_id], "text": "A teaser", "action": "send"}
    for hostile, error in [
        (SimpleUploadedFile("teaser.png", b"MZ\x90\x00 not an image", content_type="image/png"), "Unsupported file type"),
        (png_upload("teaser.pdf"), "File extension does not match its content"),
    ]:
        response = page_client.post("/campaigns/mass/new", {**form, "attachment": hostile})
        assert response.status_code == 400 and error in response.content.decode()
    assert not MassMessage.objects.exists()
    assert not (tmp_path / "media" / "mass-attachments").exists()  # nothing stored
    response = page_client.post("/campaigns/mass/new", {**form, "attachment": png_upload("teaser.png")})
    assert response.status_code == 302
    mass = MassMessage.objects.get()
    assert (tmp_path / "media" / mass.attachment.name).is_file()
    report = page_client.get(f"/campaigns/mass/{mass.pk}/").content.decode()
    assert '<p id="mass-attachment">With the file <strong>teaser.png</strong>' in report
    campaigns.mass_message_step(mass_id=mass.pk)
    message = mass.recipients.get().message
    assert (message.conversation_id, message.attachment_name, message.message_type) == (visitor.conversation_id, "teaser.png", "image")


def test_a_chatter_sees_no_selection_on_the_fans_page(creator):
    from tests.factories import MembershipFactory, UserFactory
    from tests.helpers import page_client_for

    FanFactory(creator=creator)
    chatter = MembershipFactory(creator=creator, role="chatter", user=UserFactory()).user
    page = page_client_for(chatter).get("/fans/").content.decode()
    assert "<li class=\"row\">" in page and 'id="fan-selection"' not in page and "row-select" not in page


def test_api_send_at_and_transaction_message_id(crm_client, creator):
    conversation = ConversationFactory(fan=FanFactory(creator=creator))
    path = f"/api/crm/conversations/{conversation.pk}/messages"
    send_at = (timezone.now() + timedelta(hours=5)).astimezone(UTC).replace(microsecond=0)
    body = assert_status(crm_client.post(path, {"text": "Later", "send_at": send_at.isoformat()}, format="json"), 202)
    assert body["scheduled_message"]["send_at"] == send_at.isoformat().replace("+00:00", "Z")
    assert body["scheduled_message"]["status"] == "scheduled"
    assert not Message.objects.exists()
    assert_crm_error(
        crm_client.post(path, {"text": "x", "send_at": "2030-01-01 10:00"}, format="json"),
        400,
        "Invalid send_at: use ISO 8601 with a time zone, e.g. 2026-12-24T19:00:00+01:00",
    )
    assert_crm_error(
        crm_client.post(path, {"text": "x", "send_at": "2000-01-01T10:00:00Z"}, format="json"),
        400,
        "send_at is in the past: choose a time to come",
    )
    message = services.message_add(conversation=conversation, direction=Direction.OUTGOING, text="PPV", price_cents=500)
    txn = assert_status(
        crm_client.post(
            "/api/crm/transactions",
            {"fanId": conversation.fan_id, "kind": "ppv", "amount_cents": 500, "message_id": message.pk},
            format="json",
        ),
        201,
    )
    assert txn["transaction"]["message_id"] == message.pk
    other = FanFactory(creator=creator)
    assert_crm_error(
        crm_client.post(
            "/api/crm/transactions", {"fanId": other.pk, "kind": "ppv", "amount_cents": 500, "message_id": message.pk}, format="json"
        ),
        400,
        "Invalid message_id: not a message sent to this fan",
    )


def test_v1_send_at(v1_client, api_key):
    conversation = ConversationFactory(fan=FanFactory(creator=api_key.creator))
    send_at = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
    body = assert_status(
        v1_client.post(
            "/api/v1/messages", {"conversation_id": conversation.pk, "message": "Later", "send_at": send_at.isoformat()}, format="json"
        ),
        202,
    )
    assert body["success"] is True and body["data"]["status"] == "scheduled"
    response = v1_client.post(
        "/api/v1/messages", {"conversation_id": conversation.pk, "message": "x", "send_at": "next week"}, format="json"
    )
    assert assert_status(response, 400)["error"].startswith("Invalid send_at")
    assert not Message.objects.exists() and ScheduledMessage.objects.count() == 1


def test_the_ppv_report_per_message_in_constant_queries(page_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core.templatetags.formatting import duration

    creator = page_client.creator

    def ppv_to(name, price):
        conversation = ConversationFactory(creator=creator, fan=FanFactory(creator=creator, name=name))
        return services.message_add(conversation=conversation, direction=Direction.OUTGOING, text=f"Set for {name}", price_cents=price)

    unlocked, waiting = ppv_to("Una", 1500), ppv_to("Wes", 900)
    services.transaction_record(
        fan=unlocked.fan, kind="ppv", amount_cents=1500, occurred_at=unlocked.created_at + timedelta(hours=3, minutes=5), message=unlocked
    )
    page = page_client.get("/campaigns/").content.decode()
    row = re.search(rf'<tr data-ppv-message="{unlocked.pk}">(.*?)</tr>', page).group(1)
    assert "Una" in row and "<td data-unlocked>$15.00</td>" in row and "<td>3 h 5 min</td>" in row
    row = re.search(rf'<tr data-ppv-message="{waiting.pk}">(.*?)</tr>', page).group(1)
    assert "Wes" in row and "<td data-unlocked>—</td>" in row
    with CaptureQueriesContext(connection) as few:
        page_client.get("/campaigns/")
    for i in range(5):
        ppv_to(f"More {i}", 500)
    with CaptureQueriesContext(connection) as many:
        assert page_client.get("/campaigns/").content.decode().count("data-ppv-message=") == 7
    assert len(many) == len(few)
    assert [duration(s) for s in (45, 750, 3600, 11100, 86400, 187200)] == ["45 s", "12 min", "1 h", "3 h 5 min", "1 d", "2 d 4 h"]
