from datetime import timedelta

import pytest
from django.utils import timezone

from crm import services
from crm.choices import Direction, TransactionKind
from crm.models import Fan, Transaction
from tests.factories import ConversationFactory, FanFactory, TagFactory, TransactionFactory
from tests.helpers import assert_login_redirect, assert_status, page_client_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/fans/"),
        ("get", "/fans/new/"),
        ("post", "/fans/new/"),
        ("get", "/fans/{id}/"),
        ("get", "/fans/{id}/edit"),
        ("post", "/fans/{id}/edit"),
        ("post", "/fans/{id}/notes"),
        ("post", "/fans/{id}/transactions"),
        ("post", "/fans/{id}/conversations"),
        ("get", "/fans/{id}/delete"),
        ("post", "/fans/{id}/delete"),
    ],
)
def test_anonymous_is_sent_to_login(client, creator, method, path):
    fan = FanFactory(creator=creator)
    url = path.format(id=fan.pk)
    response = getattr(client, method)(url)
    assert_login_redirect(response, url)
    assert Fan.objects.filter(pk=fan.pk).exists()


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/fans/{id}/"),
        ("get", "/fans/{id}/edit"),
        ("post", "/fans/{id}/edit"),
        ("post", "/fans/{id}/notes"),
        ("post", "/fans/{id}/transactions"),
        ("post", "/fans/{id}/conversations"),
        ("get", "/fans/{id}/delete"),
        ("post", "/fans/{id}/delete"),
        ("get", "/fans/999999999/"),
        ("get", "/fans/abc/"),
        ("get", "/fans/99999999999999999999999/"),
    ],
)
def test_another_creators_fan_is_404(page_client, other_creator, method, path):
    fan = FanFactory(creator=other_creator, name="Theirs")
    data = {"name": "Hijack", "platform": "onlyfans", "screening_status": "pending", "client_category": "unscreened",
            "subscription_status": "none", "notes": "x", "kind": "tip", "amount": "5"}
    response = getattr(page_client, method)(path.format(id=fan.pk), data)
    assert_status(response, 404)
    fan.refresh_from_db()
    assert fan.name == "Theirs" and fan.notes == "" and fan.value_cents == 0


def test_list_shows_only_own_fans(page_client, other_creator):
    FanFactory(creator=page_client.creator, name="Mine")
    FanFactory(creator=other_creator, name="Theirs")
    response = page_client.get("/fans/")
    assert_status(response, 200)
    assert b"Mine" in response.content and b"Theirs" not in response.content


def test_list_search_and_filters_use_the_filterset(page_client):
    creator = page_client.creator
    vip = FanFactory(creator=creator, name="Alice Vip", platform="fansly")
    vip.tags.add(TagFactory(creator=creator, name="vip"))
    FanFactory(creator=creator, name="Bob Plain", platform="onlyfans")
    FanFactory(creator=creator, name="Carol Approved", screening_status="approved")

    def names(query):
        response = page_client.get("/fans/", query)
        assert_status(response, 200)
        return [f.name for f in response.context["page"].rows]

    assert names({"q": "alice"}) == ["Alice Vip"]
    assert names({"platform": "fansly"}) == ["Alice Vip"]
    assert names({"tag": "vip"}) == ["Alice Vip"]
    assert names({"screening_status": "approved"}) == ["Carol Approved"]
    assert names({"subscription_status": "active"}) == []


def test_invalid_filter_is_shown_next_to_its_field(page_client):
    FanFactory(creator=page_client.creator)
    response = page_client.get("/fans/", {"platform": "myspace"})
    assert_status(response, 200)
    assert "platform" in response.context["filters"].form.errors
    assert b'id="id_platform_error"' in response.content


def test_sort_by_value_pages_with_keyset_cursors(page_client, monkeypatch):
    creator = page_client.creator
    fans = [FanFactory(creator=creator, name=f"fan{i}") for i in range(7)]
    for i, fan in enumerate(fans):
        TransactionFactory(fan=fan, amount_cents=100 * (i + 1))
    seen = []
    query = {"sort": "value"}
    monkeypatch.setattr("crm.selectors.PAGE_SIZE", 3)
    response = page_client.get("/fans/", query)
    pages = 0
    while True:
        pages += 1
        page = response.context["page"]
        seen += [f.value_cents for f in page.rows]
        if not page.next_cursor:
            break
        response = page_client.get("/fans/", {**query, "after": page.next_cursor})
    assert pages == 3
    # And back: the previous link of the last page gives the middle page again.
    back = page_client.get("/fans/", {**query, "before": page.prev_cursor}).context["page"]
    assert [f.value_cents for f in back.rows] == [400, 300, 200]
    assert seen == [700, 600, 500, 400, 300, 200, 100]


def test_sort_by_last_activity_puts_never_active_last(page_client):
    creator = page_client.creator
    now = timezone.now()
    never = FanFactory(creator=creator, name="never")
    old = FanFactory(creator=creator, name="old", last_seen_at=now - timedelta(days=3))
    recent = FanFactory(creator=creator, name="recent", last_seen_at=now - timedelta(hours=1))
    response = page_client.get("/fans/", {"sort": "activity"})
    assert [f.pk for f in response.context["page"].rows] == [recent.pk, old.pk, never.pk]


def test_garbage_cursor_shows_the_first_page(page_client):
    FanFactory(creator=page_client.creator, name="Only")
    for cursor in ["!!!", "W10", "WyJ4IiwxXQ", "eyJhIjoxfQ"]:
        response = page_client.get("/fans/", {"after": cursor, "sort": "value"})
        assert_status(response, 200)
        assert [f.name for f in response.context["page"].rows] == ["Only"]


@pytest.mark.parametrize("rows", [1, 30])
def test_list_query_count_does_not_grow_with_rows(page_client, django_assert_num_queries, rows):
    creator = page_client.creator
    tag = TagFactory(creator=creator, name="vip")
    for _ in range(rows):
        FanFactory(creator=creator).tags.add(tag)
    # session, user, creator, fans page, their tags (one prefetch), tag names for the filter,
    # the nav badge's unread total, the header switcher's memberships
    with django_assert_num_queries(8):
        response = page_client.get("/fans/", {"sort": "value"})
    assert_status(response, 200)


def test_create_fan(page_client):
    response = page_client.post(
        "/fans/new/",
        {
            "name": "New Fan", "platform": "patreon", "platform_id": "p-1", "handle": "@newfan",
            "email": "fan@example.com", "tags": "vip, whale, vip", "screening_status": "pending",
            "client_category": "unscreened", "subscription_status": "active",
        },
    )
    fan = Fan.objects.get(creator=page_client.creator, name="New Fan")
    assert response.status_code == 302 and response["Location"] == f"/fans/{fan.pk}/"
    assert sorted(fan.tags.values_list("name", flat=True)) == ["vip", "whale"]
    assert fan.email == "fan@example.com" and fan.email_hash
    assert fan.subscription_status == "active"


def test_create_fan_invalid_rerenders_with_field_errors(page_client):
    response = page_client.post("/fans/new/", {"platform": "myspace", "email": "not-an-email"})
    assert_status(response, 400)
    form = response.context["form"]
    assert "platform" in form.errors and "email" in form.errors
    assert b'id="id_email_error"' in response.content and b'aria-invalid="true"' in response.content
    assert not Fan.objects.exists()


def test_create_duplicate_platform_id_is_a_field_error(page_client):
    FanFactory(creator=page_client.creator, platform="onlyfans", platform_id="dup")
    response = page_client.post(
        "/fans/new/",
        {"name": "Dup", "platform": "onlyfans", "platform_id": "dup", "screening_status": "pending",
         "client_category": "unscreened", "subscription_status": "none"},
    )
    assert_status(response, 400)
    assert "Fan already exists" in str(response.context["form"].errors)


def test_fan_page_shows_sections(page_client):
    creator = page_client.creator
    fan = FanFactory(creator=creator, name="Dana", notes="likes cats")
    TransactionFactory(fan=fan, kind=TransactionKind.TIP, amount_cents=1234)
    conversation = ConversationFactory(fan=fan, subject="Hello thread")
    response = page_client.get(f"/fans/{fan.pk}/")
    assert_status(response, 200)
    body = response.content.decode()
    assert "likes cats" in body and "$12.34" in body and "Hello thread" in body
    assert f"/inbox/{conversation.pk}/" in body


@pytest.mark.parametrize("rows", [1, 30])
def test_fan_page_query_count_does_not_grow_with_rows(page_client, django_assert_num_queries, rows):
    creator = page_client.creator
    fan = FanFactory(creator=creator)
    fan.tags.add(TagFactory(creator=creator, name="vip"))
    for _ in range(rows):
        TransactionFactory(fan=fan)
        services.message_add(conversation=ConversationFactory(fan=fan), direction=Direction.INCOMING, text="hi")
    # session, user, creator, fan, fan tags, transactions page, conversations, tag names,
    # + the screening section of that same fan (methods, files)
    with django_assert_num_queries(FAN_PAGE_QUERIES):
        response = page_client.get(f"/fans/{fan.pk}/")
    assert_status(response, 200)


FAN_PAGE_QUERIES = 12  # the nav badge's unread total and the header switcher's memberships included


def test_edit_profile_and_tags(page_client):
    fan = FanFactory(creator=page_client.creator, name="Old")
    response = page_client.post(
        f"/fans/{fan.pk}/edit",
        {"name": "Renamed", "platform": "fansly", "tags": "a, b", "screening_status": "pending",
         "client_category": "subscriber", "subscription_status": "active", "phone": "+1 555 0100"},
    )
    assert response.status_code == 302
    fan.refresh_from_db()
    assert fan.name == "Renamed" and fan.platform == "fansly" and fan.client_category == "subscriber"
    assert sorted(fan.tags.values_list("name", flat=True)) == ["a", "b"] and fan.phone_hash


def test_get_edit_leads_to_the_open_profile_section_of_the_fan_page(page_client):
    fan = FanFactory(creator=page_client.creator)
    response = page_client.get(f"/fans/{fan.pk}/edit")
    assert_status(response, 302)
    assert response["Location"] == f"/fans/{fan.pk}/?edit#profile"
    page = page_client.get(response["Location"])
    assert_status(page, 200)
    assert b'<details id="profile" open>' in page.content
    # Without ?edit the section stays folded.
    assert b'<details id="profile">' in page_client.get(f"/fans/{fan.pk}/").content


def test_edit_invalid_rerenders_fan_page(page_client):
    fan = FanFactory(creator=page_client.creator, name="Keep")
    response = page_client.post(f"/fans/{fan.pk}/edit", {"platform": "nope", "screening_status": "x"})
    assert_status(response, 400)
    assert "platform" in response.context["profile_form"].errors
    fan.refresh_from_db()
    assert fan.name == "Keep"


def test_notes_are_saved_encrypted(page_client):
    fan = FanFactory(creator=page_client.creator)
    response = page_client.post(f"/fans/{fan.pk}/notes", {"notes": "met at the expo"})
    assert response.status_code == 302
    fan.refresh_from_db()
    assert fan.notes == "met at the expo" and fan.notes_updated_at
    raw = Fan.objects.filter(pk=fan.pk).values_list("notes", flat=True)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT notes FROM crm_fan WHERE id = %s", [fan.pk])
        stored = cursor.fetchone()[0]
    assert "expo" not in stored and list(raw) == ["met at the expo"]


def test_notes_too_long_is_a_field_error(page_client):
    fan = FanFactory(creator=page_client.creator)
    response = page_client.post(f"/fans/{fan.pk}/notes", {"notes": "x" * 20_001})
    assert_status(response, 400)
    assert "notes" in response.context["notes_form"].errors


def test_record_transaction(page_client):
    fan = FanFactory(creator=page_client.creator)
    response = page_client.post(f"/fans/{fan.pk}/transactions", {"kind": "tip", "amount": "12.50"})
    assert response.status_code == 302
    fan.refresh_from_db()
    assert fan.value_cents == 1250
    txn = Transaction.objects.get(fan=fan)
    assert txn.platform == fan.platform and txn.kind == "tip"
    assert "Tip of $12.50 recorded." in page_client.get(f"/fans/{fan.pk}/").content.decode()


def test_record_refund_subtracts_and_duplicate_external_id_warns(page_client):
    fan = FanFactory(creator=page_client.creator)
    page_client.post(f"/fans/{fan.pk}/transactions", {"kind": "tip", "amount": "20"})
    page_client.post(f"/fans/{fan.pk}/transactions", {"kind": "refund", "amount": "5", "external_id": "r1"})
    response = page_client.post(
        f"/fans/{fan.pk}/transactions", {"kind": "refund", "amount": "5", "external_id": "r1"}, follow=True
    )
    fan.refresh_from_db()
    assert fan.value_cents == 1500
    assert "already recorded" in response.content.decode()


@pytest.mark.parametrize(
    "data, field",
    [
        ({"kind": "tip", "amount": "0"}, "amount"),
        ({"kind": "tip", "amount": "-3"}, "amount"),
        ({"kind": "tip", "amount": "1.234"}, "amount"),
        ({"kind": "tip", "amount": "abc"}, "amount"),
        ({"kind": "opening_balance", "amount": "3"}, "kind"),
        ({"kind": "tip", "amount": "3", "platform": "myspace"}, "platform"),
        ({"kind": "tip", "amount": "3", "occurred_at": "yesterday"}, "occurred_at"),
        ({"kind": "tip", "amount": "3", "occurred_at": "0143-11-20T10:00"}, "occurred_at"),
        ({"kind": "tip", "amount": "3", "occurred_at": "2999-01-01T10:00"}, "occurred_at"),
    ],
)
def test_record_transaction_invalid(page_client, data, field):
    fan = FanFactory(creator=page_client.creator)
    response = page_client.post(f"/fans/{fan.pk}/transactions", data)
    assert_status(response, 400)
    assert field in response.context["transaction_form"].errors
    assert not Transaction.objects.exists()


def test_delete_fan_confirms_then_deletes(page_client):
    fan = FanFactory(creator=page_client.creator, name="Gone")
    confirm = page_client.get(f"/fans/{fan.pk}/delete")
    assert_status(confirm, 200)
    assert Fan.objects.filter(pk=fan.pk).exists()
    response = page_client.post(f"/fans/{fan.pk}/delete")
    assert response.status_code == 302 and response["Location"] == "/fans/"
    assert not Fan.objects.filter(pk=fan.pk).exists()


def test_staff_login_without_creator_gets_404(django_user_model):
    user = django_user_model.objects.create_user(username="staff", email="s@example.com", password="x", is_staff=True)
    assert page_client_for(user).get("/fans/").status_code == 404


def test_message_button_opens_or_reuses_the_conversation(page_client):
    fan = FanFactory(creator=page_client.creator, platform="fansly")
    first = page_client.post(f"/fans/{fan.pk}/conversations")
    conversation = fan.conversations.get()
    assert first.status_code == 302 and first["Location"] == f"/inbox/{conversation.pk}/"
    assert conversation.platform == "fansly"
    again = page_client.post(f"/fans/{fan.pk}/conversations")
    assert again["Location"] == first["Location"] and fan.conversations.count() == 1


def test_message_button_for_another_creators_fan_is_404(page_client, other_creator):
    fan = FanFactory(creator=other_creator)
    assert page_client.post(f"/fans/{fan.pk}/conversations").status_code == 404
    assert not fan.conversations.exists()


def test_list_decrypts_no_private_fields(page_client, monkeypatch):
    FanFactory(creator=page_client.creator, notes="secret", email="a@example.com", phone="+15550100")

    def refuse(token):
        raise AssertionError("the fans list decrypted a private field")

    monkeypatch.setattr("core.crypto.decrypt", refuse)
    assert_status(page_client.get("/fans/"), 200)


def test_filter_selects_offer_any(page_client):
    body = page_client.get("/fans/").content.decode()
    assert '<option value="" selected>Any</option>' in body and "---------" not in body
