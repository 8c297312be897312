"""Erasure is complete: a fan who came in through Instagram webhooks, the public contact form, both
REST surfaces, the pages and the admin is deleted (by each face that deletes fans, in turn), and
then nothing of them is left in any column of any table, in any stored file, in the session or in
the flash-message cookie.

docs/SECURITY.md, "Erasure": every model that holds fan data joins erasure, and this test is
extended with it (a new entry point in `arrive`, a new needle in NEEDLES).
"""

import json
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from rest_framework.test import APIClient

from core import crypto
from crm.models import ChatBlock, ChatVisitor, Fan, MassMessageRecipient, ScheduledMessage, Segment
from screening.models import ScreeningFile
from tests.factories import ApiKeyFactory, CreatorFactory, PlatformAccountFactory, UserFactory
from tests.helpers import admin_fan_form, jwt_for, staff_login
from tests.screening import samples
from tests.security.scan import scan_database, scan_messages_cookie, scan_storage, tables_scanned
from tests.webhooks.conftest import ACCOUNT_ID, deliver
from webhooks.choices import EventStatus
from webhooks.models import WebhookEvent
from webhooks.services import events_replay, events_sweep

pytestmark = pytest.mark.django_db(transaction=True)

IG_ID = "55501234567890"  # Zoë's Instagram user id
ZOE = SimpleNamespace(
    name="Zoë Erasure-Test",
    username="zoe_erasure_ig",
    client_identifier="zoe-client-7731",
    email="zoe.erasure@example.org",
    phone="+44 7700 900461",
    notes="Zoë prefers Tuesdays, private note 8812",
    admin_notes="Staff note on Zoë 6120",
    dm="Hi from Zoë's Instagram DM 4471",
    late_dm="A DM from Zoë still in the queue 4472",
    comment="Zoë's comment on the feed 9921",
    contact_subject="Zoë asks about a booking 2219",
    contact_message="Zoë's message through the contact form 3310",
    crm_message="A reply to Zoë through /api/crm 5512",
    v1_subject="v1 thread with Zoë 4410",
    v1_message="A reply to Zoë through /api/v1 6613",
    page_reply="A reply to Zoë from the inbox page 7714",
    txn_external_id="zoe-txn-ext-3141",
    passport="Zoë's passport number ZP-998877",
    file_name="zoe-passport-scan.pdf",
    file_text="ZOE-SCREENING-PDF-CONTENT-5678",
    attachment_name="zoe-erasure-photo.jpg",
    attachment_text="ZOE-ATTACHMENT-CONTENT-1234",
    chat_message="Zoë writes in the visitor chat 6061",
    chat_reply="The team answers Zoë's chat 6062",
    chat_file_name="zoe-chat-sketch.png",
    chat_file_text="ZOE-CHAT-FILE-CONTENT-6063",
    dnc_reason="Zoë asked by phone to stop 4477",
    scheduled="A reply to Zoë scheduled for tomorrow 8123",
)
NEEDLES = [
    IG_ID, ZOE.name, ZOE.username, ZOE.client_identifier, ZOE.email, ZOE.phone,
    ZOE.notes, ZOE.admin_notes, ZOE.dm, ZOE.late_dm, ZOE.comment, ZOE.contact_subject, ZOE.contact_message,
    ZOE.crm_message, ZOE.v1_subject, ZOE.v1_message, ZOE.page_reply, ZOE.txn_external_id, ZOE.passport,
    ZOE.file_name, ZOE.file_text, ZOE.attachment_name, ZOE.attachment_text, ZOE.dnc_reason, ZOE.scheduled,
    ZOE.chat_message, ZOE.chat_reply, ZOE.chat_file_name, ZOE.chat_file_text,
    # Their keyed hashes: a hash left behind still recognises them.
    crypto.email_hash(ZOE.email), crypto.phone_hash(ZOE.phone),
]
# Forms of her data that may never have been stored, searched for all the same.
DERIVED = [crypto.normalise_phone(ZOE.phone), ZOE.email.upper()]
# Another fan of the same creator, and what proves the scan can see: found before and after.
KEPT = SimpleNamespace(ig_id="55509876543210", name="Kept Control 5150", dm="The control fan's DM 8080")


def ok(response, status=200):
    assert response.status_code == status, (response.status_code, response.content[:1000])
    return response


def run_tasks():
    call_command("db_worker", queue_name="*", batch=True, startup_delay=False, interval=0, verbosity=0)


def dm(sender: str, mid: str, text: str) -> dict:
    item = {"sender": {"id": sender}, "recipient": {"id": ACCOUNT_ID}, "timestamp": 1735743600123,
            "message": {"mid": mid, "text": text}}
    return {"object": "instagram", "entry": [{"id": ACCOUNT_ID, "time": 1735743600, "messaging": [item]}]}


def deliveries() -> list[dict]:
    """Zoë's webhook traffic: a DM, a comment with her username, and a read receipt (which makes
    no fan and is ignored as unsupported, but carries her id)."""
    comment = {"field": "comments", "value": {"id": "zoe-comment-1", "text": ZOE.comment,
                                               "from": {"id": IG_ID, "username": ZOE.username}}}
    read = {"sender": {"id": IG_ID}, "recipient": {"id": ACCOUNT_ID}, "timestamp": 1735743700000,
            "read": {"mid": "zoe-dm-1"}}
    return [
        dm(IG_ID, "zoe-dm-1", ZOE.dm),
        {"object": "instagram", "entry": [{"id": ACCOUNT_ID, "time": 1735743600, "changes": [comment]}]},
        {"object": "instagram", "entry": [{"id": ACCOUNT_ID, "time": 1735743700, "messaging": [read]}]},
        dm(KEPT.ig_id, "kept-dm-1", KEPT.dm),
    ]


def arrive(world) -> Fan:
    """Zoë reaches the creator through every entry point, and the creator and staff work on her."""
    meta, crm, v1, page, staff = world.meta, world.crm, world.v1, world.page, world.staff
    for delivery in deliveries():
        ok(deliver(meta, delivery))
    run_tasks()
    zoe = Fan.objects.get(creator=world.creator, platform_id=IG_ID)
    kept = Fan.objects.get(creator=world.creator, platform_id=KEPT.ig_id)
    ok(crm.patch(f"/api/crm/fans/{kept.pk}", {"name": KEPT.name}, format="json"))

    # /api/crm: her name, money, a reply in her Instagram thread.
    ok(crm.patch(f"/api/crm/fans/{zoe.pk}", {"name": ZOE.name}, format="json"))
    ok(crm.post("/api/crm/transactions", {"fanId": zoe.pk, "kind": "tip", "amount_cents": 2500,
                                         "external_id": ZOE.txn_external_id}, format="json"), 201)
    thread = ok(crm.post("/api/crm/conversations", {"fanId": zoe.pk}, format="json")).json()["conversation"]
    ok(crm.post(f"/api/crm/conversations/{thread['id']}/messages", {"text": ZOE.crm_message}, format="json"), 201)

    # /api/v1: contact data, notes, a new thread, an attachment, screening with ID files.
    ok(v1.put(f"/api/v1/clients/{zoe.pk}", {"email": ZOE.email, "phone": ZOE.phone,
                                           "client_identifier": ZOE.client_identifier}, format="json"))
    ok(v1.put(f"/api/v1/notes/{zoe.pk}", {"notes": ZOE.notes}, format="json"))
    v1_thread = ok(v1.post("/api/v1/conversations", {"interaction_id": zoe.pk, "subject": ZOE.v1_subject,
                                                     "message": ZOE.v1_message}, format="json"), 201).json()["data"]
    photo = samples.upload(ZOE.attachment_name, samples.JPEG + ZOE.attachment_text.encode())
    ok(v1.post("/api/v1/messages", {"conversation_id": v1_thread["id"], "message": ZOE.v1_message,
                                    "file": photo}, format="multipart"), 201)
    ok(v1.post(f"/api/v1/screening/{zoe.pk}/methods", {"method_type": "id_verification", "details": ZOE.passport},
               format="json"), 201)
    for name in (ZOE.file_name, "second-" + ZOE.file_name):
        scan = samples.upload(name, samples.PDF + f"% {ZOE.file_text}\n".encode())
        ok(v1.post(f"/api/v1/screening/{zoe.pk}/files", {"file": scan}, format="multipart"), 201)

    # The public contact form, with her email: it finds her and opens a direct thread.
    contact = {"model_id": world.creator.slug, "name": ZOE.name, "email": ZOE.email, "phone": ZOE.phone,
               "subject": ZOE.contact_subject, "message": ZOE.contact_message, "consent_contact": "on"}
    ok(Client().post(f"/c/{world.creator.slug}/", contact, follow=True))
    assert Fan.objects.filter(creator=world.creator).count() == 2  # matched, not created

    # The visitor chat on the same page, with her email: a fan of its own, suggested as her; she
    # writes and sends a file, the team answers, confirms it is her, and blocks the visitor.
    visitor = Client(HTTP_ORIGIN="http://testserver")
    ok(visitor.post("/api/chat/start", {"model_id": world.creator.slug, "name": ZOE.name, "email": ZOE.email,
                                        "consent": True}, content_type="application/json"), 201)
    sketch = samples.upload(ZOE.chat_file_name, b"\x89PNG\r\n\x1a\n" + ZOE.chat_file_text.encode())
    ok(visitor.post("/api/chat/messages", {"model_id": world.creator.slug, "text": ZOE.chat_message,
                                           "files": [sketch]}), 201)
    chat_thread = ChatVisitor.objects.get(suggested_fan=zoe).conversation_id
    ok(page.post(f"/inbox/{chat_thread}/send", {"text": ZOE.chat_reply}, follow=True))
    ok(page.post(f"/inbox/{chat_thread}/chat/link", follow=True))
    ok(page.post(f"/inbox/{chat_thread}/chat/block", follow=True))
    assert Fan.objects.filter(creator=world.creator).count() == 3

    # The pages: notes, a reply from the inbox (followed, as a browser does: the flash message
    # is shown and leaves the cookie).
    ok(page.post(f"/fans/{zoe.pk}/notes", {"notes": ZOE.notes}, follow=True))
    ok(page.post(f"/inbox/{thread['id']}/send", {"text": ZOE.page_reply}, follow=True))
    # Campaigns: a message scheduled to her, and a mass message to a segment she is in (the
    # segment saves filters only; her recipient row goes with her).
    tomorrow = (timezone.now() + timedelta(days=1)).isoformat()
    ok(crm.post(f"/api/crm/conversations/{thread['id']}/messages", {"text": ZOE.scheduled, "send_at": tomorrow},
                format="json"), 202)
    ok(page.post("/campaigns/segments", {"name": "Instagram fans", "platform": "instagram"}), 302)
    segment = Segment.objects.get(creator=world.creator)
    ok(page.post("/campaigns/mass/new", {"segment": segment.pk, "text": "Hi {{ fan.name }}", "action": "send"}), 302)
    assert MassMessageRecipient.objects.filter(fan=zoe).exists()
    # Do-not-contact with her reason (the contact form above stored her consent).
    ok(crm.patch(f"/api/crm/fans/{zoe.pk}", {"do_not_contact": True, "do_not_contact_reason": ZOE.dnc_reason},
                 format="json"))

    # Staff: a change in the admin (its history names her, and the ID file removed inline).
    zoe.refresh_from_db()
    first_file = ScreeningFile.objects.filter(fan=zoe).order_by("id").first()
    inline = {"screening_files-TOTAL_FORMS": 1, "screening_files-INITIAL_FORMS": 1,
              "screening_files-0-id": first_file.pk, "screening_files-0-fan": zoe.pk,
              "screening_files-0-DELETE": "on", "screening_methods-TOTAL_FORMS": 0,
              "screening_methods-INITIAL_FORMS": 0}
    change = {**admin_fan_form(zoe, notes=f"{ZOE.notes}\n{ZOE.admin_notes}"), **inline}
    ok(staff.post(reverse("admin:crm_fan_change", args=[zoe.pk]), change, follow=True))

    # A last DM arrives, not processed yet when she is deleted (its task still queued).
    ok(deliver(meta, dm(IG_ID, "zoe-dm-late", ZOE.late_dm)))
    return zoe


def delete_by(face: str, world, zoe: Fan):
    if face == "page":
        ok(world.page.post(f"/fans/{zoe.pk}/delete"), 302)
        return world.page
    if face == "api_crm":
        ok(world.crm.delete(f"/api/crm/fans/{zoe.pk}"), 204)
        return world.crm
    ok(world.staff.post(reverse("admin:crm_fan_delete", args=[zoe.pk]), {"post": "yes"}), 302)
    return world.staff


@pytest.fixture
def world(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    creator = CreatorFactory(slug="erasure-studio")
    PlatformAccountFactory(creator=creator, external_account_id=ACCOUNT_ID, username="the_creator")
    crm = APIClient()
    crm.cookies["access_token"] = jwt_for(creator.user)
    v1 = APIClient()
    v1.credentials(HTTP_AUTHORIZATION=f"Bearer {ApiKeyFactory(creator=creator).raw_key}")
    page = Client()
    page.force_login(creator.user)
    staff = staff_login(Client(), UserFactory(is_staff=True, is_superuser=True))
    return SimpleNamespace(creator=creator, meta=Client(), crm=crm, v1=v1, page=page, staff=staff)


# Every face that deletes a fan (seed 002's /api/v1 has no client deletion; it feeds her data in).
@pytest.mark.parametrize("face", ["page", "api_crm", "admin"])
def test_deleting_a_fan_leaves_nothing_of_them_anywhere(world, face):
    zoe = arrive(world)
    media = settings.MEDIA_ROOT
    # The scan sees everything before: each needle is somewhere (a needle never stored would
    # prove nothing), and the control fan too.
    before = "\n".join(scan_database(NEEDLES) + scan_storage(media, NEEDLES))
    unseen = [n for n in NEEDLES if repr(n) not in before]
    assert unseen == []
    events = list(WebhookEvent.objects.filter(party_id=IG_ID).values_list("pk", "external_id"))
    assert len(events) == 4  # the DM, the comment, the read receipt, the DM still queued

    zoe_id = zoe.pk
    client = delete_by(face, world, zoe)
    assert not MassMessageRecipient.objects.filter(fan_id=zoe_id).exists()
    assert not ScheduledMessage.objects.filter(fan_id=zoe_id).exists()
    assert Segment.objects.filter(creator=world.creator).exists()  # names no fan: stays

    needles = NEEDLES + DERIVED
    found = scan_database(needles) + scan_storage(media, needles) + scan_messages_cookie(client, needles)
    assert found == [], "\n".join(found)
    assert not ChatVisitor.objects.exists() and not ChatBlock.objects.exists()
    assert {"crm_fan", "webhooks_webhookevent", "django_admin_log", "django_session", "cache_table",
            "django_tasks_database_dbtaskresult"} <= set(tables_scanned())
    # The rest of the creator's data is intact: the control fan and their event.
    kept = scan_database([KEPT.name, KEPT.dm, KEPT.ig_id])
    assert {n for n in (KEPT.name, KEPT.dm, KEPT.ig_id) if any(repr(n) in hit for hit in kept)} == {
        KEPT.name, KEPT.dm, KEPT.ig_id
    }

    # Her events are tombstones: external id and status kept, nothing else of hers.
    tombstones = WebhookEvent.objects.filter(pk__in=[pk for pk, _ in events])
    assert {(t.external_id, t.status, json.dumps(t.payload)) for t in tombstones} == {
        (external_id, EventStatus.ERASED, "{}") for _, external_id in events
    }
    event_tasks = DBTaskResult.objects.filter(task_path="webhooks.tasks.process_event")
    assert not event_tasks.filter(args_kwargs__args__0__in=[pk for pk, _ in events]).exists()

    # Nothing brings her back: Meta redelivering, the queued task, the sweeper, a staff replay.
    for delivery in [*deliveries()[:3], dm(IG_ID, "zoe-dm-late", ZOE.late_dm)]:
        ok(deliver(world.meta, delivery))
    run_tasks()
    events_sweep()
    assert events_replay(event_ids=[pk for pk, _ in events]) == 0
    run_tasks()
    assert not Fan.objects.filter(creator=world.creator, platform_id=IG_ID).exists()
    found = scan_database(NEEDLES)
    assert found == [], "\n".join(found)
