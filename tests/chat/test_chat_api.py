"""The public chat API (/api/chat/*): start, messages both ways, files, limits, isolation, blocks.

Every refusal is in the seed-002 envelope and stores nothing; other chats are untouched."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core import crypto
from crm import chat, services
from crm.choices import ConsentSource, DeliveryStatus, Direction, Platform
from crm.contact import contact_submit
from crm.delivery import VIA_INBOX
from crm.models import ChatBlock, ChatSettings, ChatVisitor, Conversation, Fan, Message
from tests.factories import CreatorFactory, FanFactory
from tests.helpers import assert_status, assert_v1_error

from .conftest import PDF, PNG, Visitor

pytestmark = pytest.mark.django_db


def png(name="photo.png", extra=b""):
    return SimpleUploadedFile(name, PNG + extra)


def stored_messages():
    return Message.objects.count()


# --- Start ---------------------------------------------------------------------------------------


def test_start_makes_a_fan_a_direct_conversation_and_an_httponly_hashed_token(creator):
    browser = Visitor(creator)
    data = assert_status(browser.start(email="robin@example.com"), 201)
    assert data["success"] is True
    assert data["data"]["name"] == "Robin Visitor" and data["data"]["ended"] is False
    assert data["data"]["live_url"] == f"/live/chat/{creator.slug}/events"
    cookie = browser.client.cookies[chat.cookie_name(creator)]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    visitor = ChatVisitor.objects.get()
    assert visitor.token_hash == crypto.token_hash(cookie.value) and cookie.value not in visitor.token_hash
    assert visitor.conversation.platform == Platform.DIRECT and visitor.conversation.fan == visitor.fan
    assert visitor.fan.platform == Platform.DIRECT and visitor.fan.consent_source == ConsentSource.VISITOR_CHAT
    assert visitor.email == "robin@example.com" and visitor.email_hash == crypto.email_hash("robin@example.com")
    assert visitor.fan.email_hash == ""  # the chat fan is never matched by the contact form
    assert data["data"]["conversation_id"] == visitor.conversation_id


@pytest.mark.parametrize(
    "overrides, status, error",
    [
        ({"name": "R"}, 400, "name is required"),
        ({"name": "<script>alert(1)</script>"}, 400, "Invalid name: markup is not allowed"),
        ({"name": 42}, 400, "Invalid name"),
        ({"consent": False}, 400, "You must agree to be contacted"),
        ({"consent": "yes"}, 400, "You must agree to be contacted"),
        ({"email": "not-an-email"}, 400, "Invalid email"),
        ({"website": "http://spam.example"}, 400, "Submission rejected"),
        ({"company": "Spam Inc"}, 400, "Submission rejected"),
        ({"model_id": "no-such-creator"}, 404, "Unknown creator"),
        ({"model_id": ""}, 400, "model_id is required"),
    ],
)
def test_bad_starts_are_refused_and_store_nothing(creator, overrides, status, error):
    assert_v1_error(Visitor(creator).start(**overrides), status, error)
    assert not ChatVisitor.objects.exists() and not Fan.objects.exists()


def test_a_chat_on_an_inactive_creator_is_refused(creator):
    creator.user.is_active = False
    creator.user.save()
    assert_v1_error(Visitor(creator).start(), 404, "Unknown creator")


def test_five_starts_an_hour_per_address(creator):
    for _ in range(5):
        assert_status(Visitor(creator, address="198.51.100.7").start(), 201)
    refused = Visitor(creator, address="198.51.100.7").start()
    assert_v1_error(refused, 429)
    assert int(refused["Retry-After"]) > 0
    assert ChatVisitor.objects.count() == 5
    assert_status(Visitor(creator, address="198.51.100.8").start(), 201)  # another address


def test_cross_site_writes_are_refused(creator):
    browser = Visitor(creator)
    response = browser.client.post(
        "/api/chat/start", {"model_id": creator.slug, "name": "Robin", "consent": True},
        content_type="application/json", HTTP_ORIGIN="https://evil.example",
    )
    assert_v1_error(response, 403, "Cross-site request refused")
    form = browser.client.post("/api/chat/start", {"model_id": creator.slug}, HTTP_ORIGIN="")
    assert_v1_error(form, 403)
    assert not ChatVisitor.objects.exists()


def test_email_only_suggests_an_existing_fan_and_never_shows_their_thread(creator):
    known = FanFactory(creator=creator, email="robin@example.com")
    known.email_hash = crypto.email_hash("robin@example.com")
    known.save()
    contact_submit(data={"model_id": creator.slug, "name": "Robin", "email": "robin@example.com",
                         "message": "A private enquiry from the contact form", "consent_contact": "on"})
    browser = Visitor(creator)
    assert_status(browser.start(email="ROBIN@example.com"), 201)
    visitor = ChatVisitor.objects.get()
    assert visitor.suggested_fan == known and visitor.linked_fan is None and visitor.fan != known
    assert Fan.objects.filter(creator=creator).count() == 2  # no merge
    assert assert_status(browser.messages(), 200)["data"] == []
    chat.chat_link_confirm(visitor=visitor)
    visitor.refresh_from_db()
    assert visitor.linked_fan == known and Fan.objects.filter(creator=creator).count() == 2


# --- Messages ------------------------------------------------------------------------------------


def test_messages_go_both_ways_and_replies_are_sent_to_the_chat(visitor):
    sent = assert_status(visitor.send("Hi, are you there?"), 201)["data"]
    assert [m["text"] for m in sent] == ["Hi, are you there?"] and sent[0]["sender"] == "visitor"
    v = visitor.visitor
    reply = services.message_add(conversation=v.conversation, direction=Direction.OUTGOING, text="Yes!", via=VIA_INBOX)
    assert reply.delivery_status == DeliveryStatus.SENT
    listed = assert_status(visitor.messages(), 200)
    assert [(m["sender"], m["text"]) for m in listed["data"]] == [("visitor", "Hi, are you there?"), ("team", "Yes!")]
    after = assert_status(visitor.messages(after=sent[0]["id"]), 200)["data"]
    assert [m["id"] for m in after] == [reply.pk]
    v.conversation.refresh_from_db()
    assert v.conversation.message_count == 2


@pytest.mark.parametrize(
    "text, error",
    [
        ("", "text is required"),
        ("   ", "text is required"),
        ("x" * 5001, "text is too long (at most 5000 characters)"),
        ('<img src=x onerror="alert(1)">', "Invalid text: markup is not allowed"),
        (["a list"], "Invalid text"),
    ],
)
def test_bad_messages_are_refused(visitor, text, error):
    before = stored_messages()
    assert_v1_error(visitor.send(text), 400, error)
    assert stored_messages() == before


def test_text_that_merely_mentions_angle_brackets_is_kept(visitor):
    assert_status(visitor.send("I <3 your work, 2 < 3"), 201)


def test_thirty_messages_a_minute(visitor):
    for i in range(30):
        assert_status(visitor.send(f"message {i}"), 201)
    refused = visitor.send("one too many")
    assert_v1_error(refused, 429)
    assert int(refused["Retry-After"]) > 0 and refused["X-RateLimit-Remaining"] == "0"
    assert stored_messages() == 30


def test_the_message_limit_is_per_address_too(creator):
    # A visitor who starts fresh chats from one address shares that address's budget.
    first, second = Visitor(creator), Visitor(creator)
    first.start()
    second.start()
    for i in range(30):
        assert_status((first if i % 2 else second).send(f"m{i}"), 201)
    assert_v1_error(first.send("over"), 429)
    assert_status(Visitor(creator, address="192.0.2.1").start(), 201)


def test_isolation_forged_and_foreign_tokens(creator, visitor):
    visitor.send("Mine only")
    other = Visitor(creator, address="203.0.113.99")
    other.start(name="Other Visitor")
    other.send("Theirs")
    assert [m["text"] for m in other.messages().json()["data"]] == ["Theirs"]
    assert [m["text"] for m in visitor.messages().json()["data"]] == ["Mine only"]

    forged = Visitor(creator)
    forged.client.cookies[chat.cookie_name(creator)] = "forged-token"
    assert_v1_error(forged.messages(), 403, "No chat: start one first")
    assert_v1_error(forged.send("hi"), 403, "No chat: start one first")
    assert_v1_error(Visitor(creator).messages(), 403)

    # A token of one creator's chat is nothing on another creator's.
    elsewhere = CreatorFactory()
    stolen = Visitor(elsewhere)
    stolen.client.cookies[chat.cookie_name(elsewhere)] = visitor.token
    assert_v1_error(stolen.messages(), 403)
    assert Message.objects.count() == 2


def test_after_must_be_a_message_id(visitor):
    assert_v1_error(visitor.messages(after="abc"), 400, "Invalid after")


# --- Files ---------------------------------------------------------------------------------------


def test_files_are_stored_checked_and_served_to_their_own_chat_only(creator, visitor):
    sent = assert_status(visitor.send_files([png(), SimpleUploadedFile("cv.pdf", PDF)], text="Two files"), 201)["data"]
    assert [m["text"] for m in sent] == ["Two files", ""]
    assert [m["file"]["name"] for m in sent] == ["photo.png", "cv.pdf"]
    download = visitor.client.get(sent[1]["file"]["url"])
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == PDF
    other = Visitor(creator, address="203.0.113.50")
    other.start()
    assert_v1_error(other.client.get(sent[1]["file"]["url"]), 404, "File not found")
    assert_v1_error(visitor.client.get(f"/api/chat/files/nope?model_id={creator.slug}"), 404)
    assert ChatSettings.objects.get(creator=creator).storage_used_bytes == len(PNG) + len(PDF)


@pytest.mark.parametrize(
    "upload, status",
    [
        (SimpleUploadedFile("evil.png", b"MZ\x90\x00 not an image"), 400),
        (SimpleUploadedFile("photo.pdf", PNG), 400),
        (SimpleUploadedFile("empty.png", b""), 400),
    ],
)
def test_hostile_files_are_refused_and_nothing_is_stored(visitor, upload, status):
    before = stored_messages()
    assert_v1_error(visitor.send_files([png(), upload], text="With a bad one"), status)
    assert stored_messages() == before


def test_oversized_file_is_413(visitor, settings):
    settings.UPLOAD_MAX_FILE_BYTES = 1000
    assert_v1_error(visitor.send_files([png(extra=b"0" * 2000)]), 413)
    assert stored_messages() == 0


def test_at_most_five_files_a_message(visitor):
    files = [png(f"p{i}.png") for i in range(6)]
    assert_v1_error(visitor.send_files(files), 400, "At most 5 files a message")
    assert stored_messages() == 0


def test_the_request_total_is_bounded(visitor, settings):
    settings.CHAT_MAX_BODY_BYTES = 500
    assert_v1_error(visitor.send_files([png(extra=b"0" * 1000)]), 413)


def test_ten_files_per_five_minutes(visitor):
    assert_status(visitor.send_files([png(f"a{i}.png") for i in range(5)]), 201)
    assert_status(visitor.send_files([png(f"b{i}.png") for i in range(5)]), 201)
    refused = visitor.send_files([png("c.png")])
    assert_v1_error(refused, 429)
    assert "Retry-After" in refused
    assert stored_messages() == 10


def test_the_storage_quota_refuses_with_507_and_keeps_count(creator, visitor, settings):
    settings.CHAT_STORAGE_QUOTA_MB = 1
    big = b"0" * (600 * 1024)
    assert_status(visitor.send_files([png("a.png", big)]), 201)
    assert_v1_error(visitor.send_files([png("b.png", big)]), 507)
    used = ChatSettings.objects.get(creator=creator).storage_used_bytes
    assert used == len(PNG) + len(big) and stored_messages() == 1


def test_the_quota_reservation_is_one_conditional_update(creator, settings):
    settings.CHAT_STORAGE_QUOTA_MB = 1
    quota = 1024 * 1024
    ChatSettings.objects.create(creator=creator)
    ChatSettings.objects.filter(creator=creator).update(storage_used_bytes=quota - 100)
    chat._reserve(creator.pk, 60)
    with pytest.raises(Exception) as refused:
        chat._reserve(creator.pk, 60)  # the second of two "simultaneous" uploads: 40 bytes left
    assert refused.value.status_code == 507
    assert ChatSettings.objects.get(creator=creator).storage_used_bytes == quota - 40


# --- The creator's side: end, block ---------------------------------------------------------------


def test_an_ended_chat_refuses_new_messages(visitor):
    chat.chat_end(visitor=visitor.visitor)
    assert_v1_error(visitor.send("still there?"), 409, "This chat has ended")
    assert visitor.messages().json()["chat"]["ended"] is True


def test_a_blocked_visitor_is_refused_even_with_a_new_cookie_or_address(creator, visitor):
    visitor.start(email="pest@example.com")  # a second chat with an email, same browser
    pest = visitor.visitor
    chat.chat_block(visitor=pest)
    before = stored_messages()
    assert_v1_error(visitor.send("let me in"), 403, chat.BLOCKED)

    fresh = Visitor(creator)  # a new cookie, same address
    assert_v1_error(fresh.start(), 403, chat.BLOCKED)
    elsewhere = Visitor(creator, address="192.0.2.200")  # a new address, same email
    assert_v1_error(elsewhere.start(email="Pest@Example.com"), 403, chat.BLOCKED)
    # The old cookie from a new address: the token itself is blocked.
    moved = Visitor(creator, address="192.0.2.201")
    moved.client.cookies[chat.cookie_name(creator)] = visitor.token
    assert_v1_error(moved.send("from elsewhere"), 403, chat.BLOCKED)
    assert stored_messages() == before
    assert ChatBlock.objects.filter(creator=creator).count() == 1
    assert_status(Visitor(CreatorFactory()).start(), 201)  # other creators' chats are untouched


def test_erasing_the_chat_fan_takes_visitor_blocks_messages_and_quota(creator, visitor):
    visitor.send_files([png()], text="bye")
    v = visitor.visitor
    chat.chat_block(visitor=v)
    services.fan_delete(fan=v.fan)
    assert not ChatVisitor.objects.exists() and not ChatBlock.objects.exists()
    assert not Message.objects.exists() and not Conversation.objects.exists()
    assert ChatSettings.objects.get(creator=creator).storage_used_bytes == 0


def test_retention_erases_chats_nobody_wrote_in(creator, visitor):
    from datetime import timedelta

    from django.utils import timezone

    visitor.send("old chat")
    kept = Visitor(creator, address="192.0.2.9")
    kept.start()
    later = timezone.now() + timedelta(days=181)
    ChatVisitor.objects.filter(pk=kept.visitor.pk).update(last_seen_at=later)
    Conversation.objects.filter(pk=kept.visitor.conversation_id).update(last_message_at=later)
    assert chat.chats_purge_expired(now=later) == 1
    assert list(ChatVisitor.objects.values_list("pk", flat=True)) == [kept.visitor.pk]


@pytest.mark.parametrize("rows", [1, 12])
def test_the_message_list_query_count_does_not_grow_with_rows(visitor, django_assert_num_queries, rows):
    for i in range(rows):
        if i % 3 == 0:
            visitor.send_files([png(f"p{i}.png")], text=f"m{i}")
        else:
            visitor.send(f"m{i}")
    # the creator, the visitor, the messages, the away message (nobody online), the cache's presence read
    with django_assert_num_queries(5):
        body = assert_status(visitor.messages(), 200)
    assert len(body["data"]) == rows  # a text with one file is one message
