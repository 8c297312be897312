import pytest

from crm import services
from crm.choices import Direction
from crm.models import Conversation, Message
from tests.factories import ConversationFactory, FanFactory, TagFactory
from tests.helpers import assert_login_redirect, assert_status

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def incoming(conversation, text="hi"):
    return services.message_add(conversation=conversation, direction=Direction.INCOMING, text=text)


def png_upload(name="photo.png", data=PNG):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="image/png")


@pytest.fixture
def conversation(page_client):
    return ConversationFactory(fan=FanFactory(creator=page_client.creator, name="Erin"), subject="Hey")


@pytest.fixture
def foreign_conversation(other_creator):
    conversation = ConversationFactory(fan=FanFactory(creator=other_creator, name="Stranger"))
    incoming(conversation, "secret")
    return conversation


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/inbox/"),
        ("get", "/inbox/{id}/"),
        ("post", "/inbox/{id}/send"),
        ("post", "/inbox/{id}/archive"),
        ("post", "/inbox/{id}/tags"),
        ("get", "/inbox/{id}/messages/1/attachment"),
    ],
)
def test_anonymous_is_sent_to_login(client, foreign_conversation, method, path):
    url = path.format(id=foreign_conversation.pk)
    assert_login_redirect(getattr(client, method)(url, {"text": "x", "archive": "1"}), url)
    assert Message.objects.filter(conversation=foreign_conversation).count() == 1


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/inbox/{id}/"),
        ("post", "/inbox/{id}/send"),
        ("post", "/inbox/{id}/archive"),
        ("post", "/inbox/{id}/tags"),
        ("get", "/inbox/0/"),
        ("get", "/inbox/nope/"),
    ],
)
def test_another_creators_conversation_is_404(page_client, foreign_conversation, method, path):
    response = getattr(page_client, method)(path.format(id=foreign_conversation.pk), {"text": "x", "archive": "1", "tags": "t"})
    assert_status(response, 404)
    foreign_conversation.refresh_from_db()
    assert foreign_conversation.unread_count == 1 and not foreign_conversation.is_archived
    assert foreign_conversation.message_count == 1 and not foreign_conversation.tags.exists()


def test_inbox_lists_unread_first_then_by_last_activity(page_client):
    creator = page_client.creator
    quiet = ConversationFactory(fan=FanFactory(creator=creator, name="Quiet"))
    read = ConversationFactory(fan=FanFactory(creator=creator, name="Read"))
    unread = ConversationFactory(fan=FanFactory(creator=creator, name="Unread"))
    incoming(unread)
    incoming(read)
    services.conversation_mark_read(conversation=read)
    response = page_client.get("/inbox/")
    assert_status(response, 200)
    assert [c.pk for c in response.context["page"].rows] == [unread.pk, read.pk, quiet.pk]
    recent = page_client.get("/inbox/", {"sort": "recent"}).context["page"].rows
    assert [c.pk for c in recent] == [read.pk, unread.pk, quiet.pk]


def test_inbox_filters_platform_tag_and_archived(page_client, foreign_conversation):
    creator = page_client.creator
    insta = ConversationFactory(fan=FanFactory(creator=creator, platform="instagram"))
    tagged = ConversationFactory(fan=FanFactory(creator=creator))
    tagged.tags.add(TagFactory(creator=creator, name="hot"))
    archived = ConversationFactory(fan=FanFactory(creator=creator), is_archived=True)

    def ids(query):
        response = page_client.get("/inbox/", query)
        assert_status(response, 200)
        return {c.pk for c in response.context["page"].rows}

    assert ids({}) == {insta.pk, tagged.pk}
    assert ids({"platform": "instagram"}) == {insta.pk}
    assert ids({"tag": "hot"}) == {tagged.pk}
    assert ids({"archived": "true"}) == {archived.pk}


def test_inbox_invalid_filter_is_shown_next_to_its_field(page_client):
    response = page_client.get("/inbox/", {"platform": "myspace"})
    assert_status(response, 200)
    assert b'id="id_platform_error"' in response.content


def test_inbox_keyset_pages(page_client, monkeypatch):
    monkeypatch.setattr("crm.selectors.PAGE_SIZE", 2)
    creator = page_client.creator
    conversations = [ConversationFactory(fan=FanFactory(creator=creator)) for _ in range(5)]
    for c in conversations[:3]:
        incoming(c)
    seen, response = [], page_client.get("/inbox/")
    while True:
        page = response.context["page"]
        seen += [c.pk for c in page.rows]
        if not page.next_cursor:
            break
        assert f"after={page.next_cursor}" in response.content.decode()
        response = page_client.get("/inbox/", {"after": page.next_cursor})
    assert sorted(seen) == sorted(c.pk for c in conversations) and len(seen) == 5


@pytest.mark.parametrize("rows", [1, 30])
def test_inbox_query_count_does_not_grow_with_rows(page_client, django_assert_num_queries, rows):
    creator = page_client.creator
    tag = TagFactory(creator=creator, name="t")
    for _ in range(rows):
        conversation = ConversationFactory(fan=FanFactory(creator=creator))
        conversation.tags.add(tag)
        incoming(conversation)
    # session, user, creator, the live feed's cursor, conversations page (with fans), their tags,
    # tag names for the filter, the nav badge's unread total, the header switcher's memberships,
    # the unread/unassigned counts
    with django_assert_num_queries(10):
        response = page_client.get("/inbox/")
    assert_status(response, 200)


def test_opening_a_thread_marks_it_read_and_shows_messages_oldest_first(page_client, conversation):
    incoming(conversation, "first")
    incoming(conversation, "second")
    response = page_client.get(f"/inbox/{conversation.pk}/")
    assert_status(response, 200)
    body = response.content.decode()
    assert body.index("first") < body.index("second")
    conversation.refresh_from_db()
    assert conversation.unread_count == 0
    assert not Message.objects.filter(conversation=conversation, read_at__isnull=True).exists()


def test_thread_shows_latest_page_with_older_link(page_client, conversation, monkeypatch):
    monkeypatch.setattr("crm.selectors.THREAD_PAGE_SIZE", 3)
    for i in range(7):
        incoming(conversation, f"msg{i}")
    page = page_client.get(f"/inbox/{conversation.pk}/").context["page"]
    assert [m.text for m in page.rows] == ["msg4", "msg5", "msg6"]
    older = page_client.get(f"/inbox/{conversation.pk}/", {"before": page.next_cursor}).context["page"]
    assert [m.text for m in older.rows] == ["msg1", "msg2", "msg3"]
    oldest = page_client.get(f"/inbox/{conversation.pk}/", {"before": older.next_cursor}).context["page"]
    assert [m.text for m in oldest.rows] == ["msg0"] and oldest.next_cursor is None
    newer = page_client.get(f"/inbox/{conversation.pk}/", {"after": oldest.prev_cursor}).context["page"]
    assert [m.text for m in newer.rows] == ["msg1", "msg2", "msg3"]


@pytest.mark.parametrize("rows", [1, 30])
def test_thread_query_count_does_not_grow_with_rows(page_client, conversation, django_assert_num_queries, rows):
    for _ in range(rows):
        incoming(conversation)
    services.conversation_mark_read(conversation=conversation)
    # session, user, creator, conversation (with fan), the live feed's cursor, messages page,
    # conversation tags, the nav badge's unread total, saved replies, the header switcher's
    # memberships, the team the assignment form offers
    with django_assert_num_queries(11):
        response = page_client.get(f"/inbox/{conversation.pk}/")
    assert_status(response, 200)


def test_send_text_message(page_client, conversation):
    response = page_client.post(f"/inbox/{conversation.pk}/send", {"text": "  hello there  "})
    assert response.status_code == 302 and response["Location"] == f"/inbox/{conversation.pk}/"
    message = Message.objects.get(conversation=conversation)
    assert message.direction == "out" and message.text == "hello there"


def test_send_with_attachment_and_download_it(page_client, conversation):
    response = page_client.post(
        f"/inbox/{conversation.pk}/send", {"text": "", "attachment": png_upload('my "pic".png')}
    )
    assert response.status_code == 302
    message = Message.objects.get(conversation=conversation)
    assert message.message_type == "image" and message.attachment_content_type == "image/png"
    download = page_client.get(f"/inbox/{conversation.pk}/messages/{message.pk}/attachment")
    assert_status(download, 200)
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert download["Content-Type"] == "image/png"
    assert b"".join(download.streaming_content) == PNG


def test_download_of_an_attachment_missing_from_storage_is_404(page_client, conversation):
    page_client.post(f"/inbox/{conversation.pk}/send", {"text": "", "attachment": png_upload("gone.png")})
    message = Message.objects.get(conversation=conversation)
    message.attachment.storage.delete(message.attachment.name)
    download = page_client.get(f"/inbox/{conversation.pk}/messages/{message.pk}/attachment")
    assert download.status_code == 404  # not a 500


@pytest.mark.parametrize(
    "data, message",
    [
        ({"text": "   "}, "Write a message or attach a file."),
        ({"text": "x", "attachment": "evil.exe"}, "Unsupported file type"),
        ({"text": "x", "attachment": "png-named.pdf"}, "File extension does not match its content"),
        ({"text": "x" * 10_001}, "at most 10000 characters"),
    ],
)
def test_send_invalid_rerenders_with_field_errors(page_client, conversation, data, message):
    from django.core.files.uploadedfile import SimpleUploadedFile

    if data.get("attachment") == "evil.exe":
        data["attachment"] = SimpleUploadedFile("evil.exe", b"MZ\x90\x00" * 10)
    elif data.get("attachment") == "png-named.pdf":
        data["attachment"] = png_upload("png-named.pdf")
    response = page_client.post(f"/inbox/{conversation.pk}/send", data)
    assert_status(response, 400)
    assert message in response.content.decode()
    assert not Message.objects.filter(conversation=conversation).exists()


def test_attachment_download_of_another_creator_is_404(page_client, other_page_client, conversation):
    page_client.post(f"/inbox/{conversation.pk}/send", {"attachment": png_upload()})
    message = Message.objects.get(conversation=conversation)
    url = f"/inbox/{conversation.pk}/messages/{message.pk}/attachment"
    assert other_page_client.get(url).status_code == 404
    text_only = incoming(conversation)
    assert page_client.get(f"/inbox/{conversation.pk}/messages/{text_only.pk}/attachment").status_code == 404
    other_conversation = ConversationFactory(fan=conversation.fan)
    assert page_client.get(f"/inbox/{other_conversation.pk}/messages/{message.pk}/attachment").status_code == 404


def test_archive_and_unarchive(page_client, conversation):
    response = page_client.post(f"/inbox/{conversation.pk}/archive", {"archive": "1", "next": "/fans/"})
    assert response.status_code == 302 and response["Location"] == f"/inbox/{conversation.pk}/"
    conversation.refresh_from_db()
    assert conversation.is_archived
    response = page_client.post(f"/inbox/{conversation.pk}/archive", {"archive": "0", "next": "https://evil.example/"})
    assert response["Location"] == f"/inbox/{conversation.pk}/"
    conversation.refresh_from_db()
    assert not conversation.is_archived


def test_tag_conversation(page_client, conversation):
    response = page_client.post(f"/inbox/{conversation.pk}/tags", {"tags": "vip, later"})
    assert response.status_code == 302
    assert sorted(conversation.tags.values_list("name", flat=True)) == ["later", "vip"]


def test_tag_conversation_invalid(page_client, conversation):
    response = page_client.post(f"/inbox/{conversation.pk}/tags", {"tags": "x" * 65})
    assert_status(response, 400)
    assert "tags" in response.context["tags_form"].errors
    assert not Conversation.objects.get(pk=conversation.pk).tags.exists()


def test_inbox_search_by_fan_name_or_subject(page_client):
    creator = page_client.creator
    by_name = ConversationFactory(fan=FanFactory(creator=creator, name="Quinn Example"))
    by_subject = ConversationFactory(fan=FanFactory(creator=creator, name="Other"), subject="About Quinn's order")
    ConversationFactory(fan=FanFactory(creator=creator, name="Nobody"))
    response = page_client.get("/inbox/", {"q": "quinn"})
    assert_status(response, 200)
    assert {c.pk for c in response.context["page"].rows} == {by_name.pk, by_subject.pk}
    assert b'name="q"' in response.content


def test_send_oversized_attachment_is_a_field_error(page_client, conversation, settings):
    settings.UPLOAD_MAX_FILE_BYTES = 1024
    response = page_client.post(
        f"/inbox/{conversation.pk}/send", {"attachment": png_upload(data=PNG + b"\x00" * 2048)}
    )
    assert_status(response, 400)
    assert "too large" in " ".join(response.context["message_form"].errors["attachment"])
    assert not Message.objects.exists()


def test_send_while_storage_refuses_writes_says_so(page_client, conversation, monkeypatch):
    from django.core.files.storage import FileSystemStorage

    def refuse(*args, **kwargs):
        raise OSError("read-only file system")

    monkeypatch.setattr(FileSystemStorage, "_save", refuse)
    payload = {"text": "hi", "attachment": png_upload("a.png")}
    response = page_client.post(f"/inbox/{conversation.pk}/send", payload)
    assert response.status_code == 400
    assert "File storage unavailable, try again later" in response.content.decode()
    assert not Message.objects.filter(conversation=conversation).exists()


def test_the_nav_badge_shows_the_unread_total_of_open_conversations(page_client):
    creator = page_client.creator
    open_one, archived = (ConversationFactory(fan=FanFactory(creator=creator)) for _ in range(2))
    incoming(open_one)
    incoming(open_one)
    incoming(archived)
    services.conversation_update(conversation=archived, is_archived=True)
    body = page_client.get("/fans/").content.decode()
    assert '<span data-count>2</span><span class="visually-hidden"> unread</span>' in body


def test_the_inbox_answers_a_conditional_poll_with_304_until_the_feed_moves(page_client, conversation):
    first = page_client.get("/inbox/")
    etag = first["ETag"]
    assert f'data-live-etag="&quot;{etag.strip(chr(34))}&quot;"' in first.content.decode()  # the script's first If-None-Match
    again = page_client.get("/inbox/", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again["ETag"] == etag and again.content == b""
    incoming(conversation, "new")
    changed = page_client.get("/inbox/", headers={"If-None-Match": etag})
    assert_status(changed, 200)
    assert changed["ETag"] != etag and "no-store" in changed["Cache-Control"]
    # Another query string is another page: its own tag.
    assert page_client.get("/inbox/?sort=recent", headers={"If-None-Match": changed["ETag"]}).status_code == 200


def test_the_thread_answers_304_until_a_message_arrives_and_then_reads_it(page_client, conversation):
    incoming(conversation, "one")
    etag = page_client.get(f"/inbox/{conversation.pk}/")["ETag"]  # opening read it (its own event drawn)
    assert page_client.get(f"/inbox/{conversation.pk}/", headers={"If-None-Match": etag}).status_code == 304
    incoming(conversation, "two")
    response = page_client.get(f"/inbox/{conversation.pk}/", headers={"If-None-Match": etag})
    assert_status(response, 200)
    assert "two" in response.content.decode()
    conversation.refresh_from_db()
    assert conversation.unread_count == 0
    assert page_client.get(f"/inbox/{conversation.pk}/", headers={"If-None-Match": response["ETag"]}).status_code == 304


def test_the_live_script_marks_an_open_thread_read(page_client, conversation):
    incoming(conversation, "arrived while open")
    response = page_client.post(f"/inbox/{conversation.pk}/read")
    assert response.status_code == 302
    conversation.refresh_from_db()
    assert conversation.unread_count == 0
    assert page_client.get(f"/inbox/{conversation.pk}/read").status_code == 405


def test_the_inbox_and_thread_pages_name_their_feed_and_load_the_live_script(page_client, conversation):
    for path in ("/inbox/", f"/inbox/{conversation.pk}/"):
        body = page_client.get(path).content.decode()
        assert 'data-live-url="/live/events"' in body and 'data-live-after="' in body
        assert '<script src="/static/js/live.js" defer></script>' in body
    assert "live.js" not in page_client.get("/fans/").content.decode()
