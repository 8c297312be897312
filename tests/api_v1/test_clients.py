"""/api/v1/clients: list, get, create, update."""

import pytest
from django.db import connection

from core.crypto import email_hash
from crm import services
from crm.api.base import creator_write
from crm.choices import ClientCategory, Direction, Platform, ScreeningStatus
from crm.models import Fan
from crm.teams.policy import Member
from tests.factories import ConversationFactory, FanFactory
from tests.helpers import assert_status, assert_v1_error

pytestmark = pytest.mark.django_db

LIST_FIELDS = {
    "id": int,
    "client_identifier": str,
    "email_hash": (str, type(None)),
    "phone_hash": (str, type(None)),
    "interaction_id": int,
    "screening_status": str,
    "client_category": str,
    "subscription_status": str,
    "unread_count": int,
    "conversation_count": int,
    "created_at": str,
}


def direct_fan(creator, **fields):
    return services.fan_create(creator=creator, platform=Platform.DIRECT, **fields)


# --- list ------------------------------------------------------------------------------------


def test_list_items_have_every_documented_field(v1_client, creator):
    fan = direct_fan(creator, client_identifier="client123", email="c@example.com")
    first = ConversationFactory(fan=fan)
    second = ConversationFactory(fan=fan)
    for conversation, count in ((first, 2), (second, 1)):
        for _ in range(count):
            services.message_add(conversation=conversation, direction=Direction.INCOMING, text="hi")
    data = assert_status(v1_client.get("/api/v1/clients"), 200)
    (item,) = data["data"]
    for name, kind in LIST_FIELDS.items():
        assert isinstance(item[name], kind), (name, item)
    assert item["id"] == item["interaction_id"] == fan.pk
    assert item["email_hash"] == email_hash("c@example.com")
    assert item["unread_count"] == 3
    assert item["conversation_count"] == 2
    assert item["created_at"].endswith("Z")


def test_pagination_reports_the_true_total(v1_client, creator, other_creator):
    fans = [FanFactory(creator=creator) for _ in range(7)]
    FanFactory.create_batch(3, creator=other_creator)
    data = assert_status(v1_client.get("/api/v1/clients?page=2&limit=3"), 200)
    assert data["pagination"] == {"page": 2, "limit": 3, "total": 7, "pages": 3}
    assert [c["id"] for c in data["data"]] == [f.pk for f in sorted(fans, key=lambda f: -f.pk)][3:6]
    beyond = assert_status(v1_client.get("/api/v1/clients?page=9&limit=3"), 200)
    assert beyond["data"] == [] and beyond["pagination"]["total"] == 7


def test_limit_defaults_to_50_and_is_capped_at_100(v1_client, creator):
    assert v1_client.get("/api/v1/clients").json()["pagination"]["limit"] == 50
    assert v1_client.get("/api/v1/clients?limit=500").json()["pagination"]["limit"] == 100


@pytest.mark.parametrize(
    "query", ["page=0", "page=abc", "page=-1", "limit=0", "limit=x", "limit=1.5", "page=99999999999"]
)
def test_invalid_paging_is_400(v1_client, query):
    name = query.split("=")[0]
    assert_v1_error(v1_client.get(f"/api/v1/clients?{query}"), 400, f"Invalid {name}")


def test_status_filter(v1_client, creator):
    screened = FanFactory(creator=creator, client_category=ClientCategory.SCREENED)
    subscriber = FanFactory(creator=creator, client_category=ClientCategory.SUBSCRIBER)
    unscreened = FanFactory(creator=creator)
    expected = {
        "screened": [screened],
        "subscriber": [subscriber],
        "unscreened": [unscreened],
        "all": [unscreened, subscriber, screened],
    }
    for status, fans in expected.items():
        data = assert_status(v1_client.get(f"/api/v1/clients?status={status}"), 200)
        assert [c["id"] for c in data["data"]] == [f.pk for f in fans], status
        assert data["pagination"]["total"] == len(fans)


def test_unknown_status_is_400(v1_client):
    assert_v1_error(v1_client.get("/api/v1/clients?status=vip"), 400, "Invalid status")


def test_search_text_fields(v1_client, creator):
    by_identifier = FanFactory(creator=creator, client_identifier="booking-777", name="A", handle="@a")
    by_name = FanFactory(creator=creator, name="Rosalind Franklin", handle="@x")
    by_handle = FanFactory(creator=creator, name="B", handle="@night_owl")
    FanFactory(creator=creator, name="Nobody", handle="@none")
    for term, fan in (("booking-7", by_identifier), ("rosalind", by_name), ("night_o", by_handle)):
        data = v1_client.get("/api/v1/clients", {"search": term}).json()
        assert [c["id"] for c in data["data"]] == [fan.pk], term
        assert data["pagination"]["total"] == 1


def test_search_by_email_or_phone_matches_the_keyed_hash(v1_client, creator, other_creator):
    by_email = direct_fan(creator, email="Jane.Doe@Example.com")
    by_phone = direct_fan(creator, phone="+1 (555) 010-9999")
    direct_fan(other_creator, email="jane.doe@example.com")
    data = v1_client.get("/api/v1/clients", {"search": "  jane.doe@EXAMPLE.com "}).json()
    assert [c["id"] for c in data["data"]] == [by_email.pk]
    data = v1_client.get("/api/v1/clients", {"search": "+1 555 010 9999"}).json()
    assert [c["id"] for c in data["data"]] == [by_phone.pk]


def test_list_query_count_does_not_grow_with_the_page(v1_client, creator, django_assert_num_queries):
    for fan in FanFactory.create_batch(12, creator=creator):
        ConversationFactory(fan=fan)
    v1_client.get("/api/v1/clients")  # records the key's last use (at most once a minute)
    # key lookup, count, page (counters are subqueries of the page query)
    for limit in (1, 12):
        with django_assert_num_queries(3):
            data = assert_status(v1_client.get(f"/api/v1/clients?limit={limit}&search=a"), 200)
        assert len(data["data"]) <= limit


def test_total_counts_without_the_list_annotations(v1_client, creator, django_assert_num_queries):
    FanFactory.create_batch(2, creator=creator, client_category=ClientCategory.SCREENED)
    v1_client.get("/api/v1/clients")
    with django_assert_num_queries(3) as captured:
        v1_client.get("/api/v1/clients?status=screened")
    count_sql = next(q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"].upper())
    assert "crm_conversation" not in count_sql


# --- get -------------------------------------------------------------------------------------


def test_get_includes_decrypted_notes_and_last_contact(v1_client, creator):
    fan = direct_fan(creator, client_identifier="client123", notes="Private notes...")
    conversation = ConversationFactory(fan=fan)
    services.message_add(conversation=conversation, direction=Direction.OUTGOING, text="hello")
    data = assert_status(v1_client.get(f"/api/v1/clients/{fan.pk}"), 200)["data"]
    assert data["notes_encrypted"] == "Private notes..."
    assert data["last_contacted_at"].endswith("Z")
    assert data["interaction_id"] == data["id"] == fan.pk
    assert data["conversation_count"] == 1


@pytest.mark.parametrize("bad_id", ["abc", "0", "-3", "1.5", "99999999999999999999999"])
def test_get_with_an_impossible_id_is_404(v1_client, bad_id):
    assert_v1_error(v1_client.get(f"/api/v1/clients/{bad_id}"), 404, "Client not found")


# --- create ----------------------------------------------------------------------------------


def test_create_new_client(v1_client, creator):
    payload = {"email": "client@example.com", "phone": "+1234567890", "client_identifier": "client123"}
    data = assert_status(v1_client.post("/api/v1/clients", payload, format="json"), 201)["data"]
    fan = Fan.objects.get(creator=creator)
    assert data["created"] is True
    assert data["client_id"] == data["interaction_id"] == data["id"] == fan.pk
    assert fan.platform == Platform.DIRECT and fan.platform_id is None
    assert fan.name == "client123"
    assert fan.email == "client@example.com" and fan.email_hash == email_hash("client@example.com")
    assert data["screening_status"] == "pending" and data["client_category"] == "unscreened"


def test_create_names_the_client_after_the_email_when_nothing_else(v1_client, creator):
    assert_status(v1_client.post("/api/v1/clients", {"email": "maria.k@example.com"}, format="json"), 201)
    assert Fan.objects.get(creator=creator).name == "maria.k"


@pytest.mark.parametrize(
    "payload",
    [{"email": "SAME@example.com"}, {"phone": "+1 234 567 890"}, {"email": "", "phone": "+1234567890"}],
)
def test_create_returns_the_existing_client(v1_client, creator, payload):
    existing = direct_fan(creator, email="same@example.com", phone="+1234567890")
    data = assert_status(v1_client.post("/api/v1/clients", payload, format="json"), 200)["data"]
    assert data["created"] is False
    assert data["client_id"] == data["interaction_id"] == existing.pk
    assert Fan.objects.filter(creator=creator).count() == 1


def test_create_does_not_match_another_creators_client(v1_client, creator, other_creator):
    direct_fan(other_creator, email="same@example.com")
    data = assert_status(v1_client.post("/api/v1/clients", {"email": "same@example.com"}, format="json"), 201)
    assert data["data"]["created"] is True


@pytest.mark.parametrize(
    "payload", [{}, {"email": ""}, {"name": "Only a name"}, {"email": None, "phone": None}]
)
def test_create_needs_email_phone_or_identifier(v1_client, payload):
    assert_v1_error(
        v1_client.post("/api/v1/clients", payload, format="json"),
        400,
        "Email, phone, or client_identifier required",
    )


@pytest.mark.parametrize(
    "payload, message",
    [
        ({"email": "not-an-email"}, "Invalid email"),
        ({"phone": "call me"}, "Invalid phone"),
        ({"client_identifier": 42}, "Invalid client_identifier"),
        ({"email": "a@b.co", "screening_status": "maybe"}, "Invalid screening_status"),
        ({"email": "a@b.co", "client_category": "vip"}, "Invalid client_category"),
        ({"email": "a@b.co", "subscription_status": True}, "Invalid subscription_status"),
        ({"client_identifier": "x" * 256}, "Invalid client_identifier"),
    ],
)
def test_create_validates_fields(v1_client, payload, message):
    assert_v1_error(v1_client.post("/api/v1/clients", payload, format="json"), 400, message)


# --- update ----------------------------------------------------------------------------------


def test_update_is_partial(v1_client, creator):
    fan = direct_fan(creator, client_identifier="client123", notes="keep me")
    payload = {"subscription_status": "active", "client_category": "subscriber"}
    data = assert_status(v1_client.put(f"/api/v1/clients/{fan.pk}", payload, format="json"), 200)["data"]
    assert data["subscription_status"] == "active" and data["client_category"] == "subscriber"
    assert data["notes_encrypted"] == "keep me" and data["client_identifier"] == "client123"


def test_update_answers_what_a_get_shows_afterwards(v1_client, creator):
    fan = direct_fan(creator, client_identifier="c", email="old@example.com")
    services.message_add(conversation=ConversationFactory(fan=fan), direction=Direction.INCOMING, text="hi")
    ConversationFactory(fan=fan)
    payload = {"email": "new@example.com", "notes_encrypted": "n", "screening_status": "approved"}
    answer = assert_status(v1_client.put(f"/api/v1/clients/{fan.pk}", payload, format="json"), 200)["data"]
    shown = assert_status(v1_client.get(f"/api/v1/clients/{fan.pk}"), 200)["data"]
    assert answer == shown
    assert answer["unread_count"] == 1 and answer["conversation_count"] == 2
    assert answer["email_hash"] == email_hash("new@example.com") and answer["client_category"] == "screened"


def test_update_notes_encrypted_sets_the_notes_encrypted_at_rest(v1_client, creator):
    fan = direct_fan(creator, client_identifier="c")
    v1_client.put(f"/api/v1/clients/{fan.pk}", {"notes_encrypted": "Updated notes..."}, format="json")
    fan.refresh_from_db()
    assert fan.notes == "Updated notes..." and fan.notes_updated_at is not None
    with connection.cursor() as cursor:
        cursor.execute("SELECT notes FROM crm_fan WHERE id = %s", [fan.pk])
        assert "Updated notes" not in cursor.fetchone()[0]


def test_approval_goes_through_the_screening_decision(v1_client, creator):
    fan = direct_fan(creator, client_identifier="c")
    data = v1_client.put(f"/api/v1/clients/{fan.pk}", {"screening_status": "approved"}, format="json").json()[
        "data"
    ]
    assert data["screening_status"] == "approved" and data["client_category"] == "screened"
    fan.refresh_from_db()
    assert fan.screening_decided_by == creator.user and fan.screening_decided_at is not None


def test_approval_keeps_a_category_set_in_the_same_request(v1_client, creator):
    fan = direct_fan(creator, client_identifier="c")
    payload = {"screening_status": "approved", "client_category": "subscriber"}
    data = v1_client.put(f"/api/v1/clients/{fan.pk}", payload, format="json").json()["data"]
    assert data["client_category"] == "subscriber"


def test_rejection_leaves_the_category(v1_client, creator):
    fan = direct_fan(creator, client_identifier="c", client_category=ClientCategory.SUBSCRIBER)
    data = v1_client.put(f"/api/v1/clients/{fan.pk}", {"screening_status": "rejected"}, format="json").json()[
        "data"
    ]
    assert data["screening_status"] == ScreeningStatus.REJECTED and data["client_category"] == "subscriber"


@pytest.mark.parametrize(
    "payload, message",
    [
        ({"screening_status": "done"}, "Invalid screening_status"),
        ({"client_category": ""}, "Invalid client_category"),
        ({"subscription_status": "paused"}, "Invalid subscription_status"),
        ({"notes_encrypted": 5}, "Invalid notes_encrypted"),
    ],
)
def test_update_validates_enums(v1_client, creator, payload, message):
    fan = direct_fan(creator, client_identifier="c")
    assert_v1_error(v1_client.put(f"/api/v1/clients/{fan.pk}", payload, format="json"), 400, message)
    fan.refresh_from_db()
    assert fan.screening_status == "pending" and fan.subscription_status == "none"


# --- write budget ----------------------------------------------------------------------------


def test_writes_spend_the_keys_budget_and_answer_429_in_the_envelope(v1_client, api_key, creator, settings, rf):
    settings.WRITE_RATE_LIMIT = "3/60s"
    # The same key already spent two writes (issue 17: each key has its own budget).
    for _ in range(2):
        creator_write(rf.post("/api/v1/clients"), Member(creator=creator, user=creator.user, role="owner", api_key=api_key))
    ok = v1_client.post("/api/v1/clients", {"email": "a@example.com"}, format="json")
    assert ok.status_code == 201 and ok["X-RateLimit-Remaining"] == "0" and ok["X-RateLimit-Limit"] == "3"
    refused = v1_client.post("/api/v1/clients", {"email": "b@example.com"}, format="json")
    assert_v1_error(refused, 429, "Rate limit exceeded")
    assert int(refused["Retry-After"]) > 0 and refused["X-RateLimit-Remaining"] == "0"
    assert not Fan.objects.filter(email_hash=email_hash("b@example.com")).exists()
    # Reads are not writes.
    assert_status(v1_client.get("/api/v1/clients"), 200)


def test_a_wrong_method_spends_no_write_budget(v1_client, creator, settings):
    settings.WRITE_RATE_LIMIT = "1/60s"
    fan = direct_fan(creator, client_identifier="c")
    assert_v1_error(v1_client.delete(f"/api/v1/clients/{fan.pk}"), 405)
    assert_status(v1_client.put(f"/api/v1/clients/{fan.pk}", {"name": "n"}, format="json"), 200)


def test_page_counters_are_computed_for_the_page_ids_only(v1_client, creator, django_assert_num_queries):
    """PostgreSQL evaluates the select list of rows an OFFSET skips: page ids come first."""
    FanFactory.create_batch(3, creator=creator)
    v1_client.get("/api/v1/clients")
    with django_assert_num_queries(3) as captured:
        v1_client.get("/api/v1/clients?limit=1&page=2")
    page_sql = captured.captured_queries[-1]["sql"].upper()
    outer, _, inner = page_sql.partition(" IN (SELECT")
    assert inner and "LIMIT" in inner and "OFFSET" in inner and "OFFSET" not in outer
