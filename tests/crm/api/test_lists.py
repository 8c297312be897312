"""Cursor pagination, limits and query counts of the seed-000 lists."""

import pytest
from django.core import signing

from core.api.cursors import CURSOR_SALT
from crm import services
from crm.api.jwt.views import CONVERSATION_ORDERINGS, FAN_ORDERINGS
from crm.models import Fan
from tests.factories import ConversationFactory, FanFactory, TagFactory, TransactionFactory
from tests.helpers import assert_crm_error, assert_status

pytestmark = pytest.mark.django_db


def walk(client, url, key, **params):
    """Every page of a list, following next_cursor; returns (ids, pages)."""
    ids, pages, cursor = [], 0, None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = client.get(url, query)
        assert_status(response, 200)
        body = response.json()
        ids += [row["id"] for row in body[key]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return ids, pages
        assert isinstance(cursor, str)


@pytest.fixture
def seven_fans(creator):
    # Duplicate names and values, so every ordering needs its id tie-break.
    fans = [FanFactory(creator=creator, name=["Ann", "Bea", "Ann"][i % 3]) for i in range(7)]
    for i, fan in enumerate(fans):
        if i % 2:
            TransactionFactory(fan=fan, amount_cents=100 * (i % 3 + 1))
    return fans


@pytest.mark.parametrize("ordering", list(FAN_ORDERINGS))
def test_every_fan_ordering_pages_through_everything_once(crm_client, seven_fans, ordering):
    expected = [f["id"] for f in crm_client.get("/api/crm/fans", {"ordering": ordering}).json()["fans"]]
    ids, pages = walk(crm_client, "/api/crm/fans", "fans", limit=3, ordering=ordering)
    assert ids == expected and len(ids) == 7 and pages == 3


@pytest.mark.parametrize("ordering", list(CONVERSATION_ORDERINGS))
def test_every_conversation_ordering_pages_through_nulls_too(crm_client, creator, ordering):
    conversations = [ConversationFactory(fan=FanFactory(creator=creator)) for _ in range(6)]
    for conversation in conversations[::2]:  # half have messages, half a null last_message_at
        services.message_add(conversation=conversation, direction="in", text="hi")
    expected = [c["id"] for c in crm_client.get("/api/crm/conversations", {"ordering": ordering}).json()["conversations"]]
    ids, pages = walk(crm_client, "/api/crm/conversations", "conversations", limit=2, ordering=ordering)
    assert ids == expected and sorted(ids) == sorted(c.pk for c in conversations) and pages == 3


def test_default_and_maximum_limit_is_1000(crm_client, creator):
    Fan.objects.bulk_create(Fan(creator=creator, name=f"f{i}", platform="onlyfans") for i in range(1001))
    first = crm_client.get("/api/crm/fans").json()
    assert len(first["fans"]) == 1000 and first["next_cursor"]
    assert len(crm_client.get("/api/crm/fans", {"limit": 5000}).json()["fans"]) == 1000
    rest = crm_client.get("/api/crm/fans", {"cursor": first["next_cursor"]}).json()
    assert len(rest["fans"]) == 1 and rest["next_cursor"] is None


@pytest.mark.parametrize("limit", ["0", "-1", "abc", "1.5", "", " 5", "١٢"])
def test_invalid_limit(crm_client, limit):
    if limit == "":
        assert_status(crm_client.get("/api/crm/fans", {"limit": limit}), 200)
    else:
        assert_crm_error(crm_client.get("/api/crm/fans", {"limit": limit}), 400, "Invalid limit")


def test_cursor_is_opaque_and_tamper_proof(crm_client, seven_fans):
    cursor = crm_client.get("/api/crm/fans", {"limit": 2}).json()["next_cursor"]
    tampered = cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")
    forged = signing.dumps({"o": "-id", "k": ["1; DROP TABLE"]}, salt="other-salt")
    wrong_shape = signing.dumps({"m": "crm.fan", "o": "-id", "k": [1, 2]}, salt=CURSOR_SALT, compress=True)
    bad_value = signing.dumps({"m": "crm.fan", "o": "-created_at", "k": ["x", 1]}, salt=CURSOR_SALT, compress=True)
    other_list = signing.dumps({"m": "crm.transaction", "o": "-id", "k": [5]}, salt=CURSOR_SALT, compress=True)
    not_a_dict = signing.dumps([1], salt=CURSOR_SALT)
    for bad in (tampered, forged, wrong_shape, bad_value, other_list, not_a_dict, "garbage", "a:b:c"):
        assert_crm_error(crm_client.get("/api/crm/fans", {"cursor": bad}), 400, "Invalid cursor")
    # A cursor belongs to its ordering; it is followed without repeating it, refused with another.
    assert_status(crm_client.get("/api/crm/fans", {"cursor": cursor}), 200)
    assert_crm_error(crm_client.get("/api/crm/fans", {"cursor": cursor, "ordering": "name"}), 400, "Invalid cursor")
    # A cursor of one list is no cursor of another.
    assert_crm_error(crm_client.get("/api/crm/transactions", {"cursor": cursor}), 400, "Invalid cursor")


def test_cursor_ordering_is_kept_without_the_parameter(crm_client, seven_fans):
    first = crm_client.get("/api/crm/fans", {"limit": 4, "ordering": "name"}).json()
    rest = crm_client.get("/api/crm/fans", {"cursor": first["next_cursor"]}).json()
    names = [f["name"] for f in first["fans"] + rest["fans"]]
    assert names == sorted(names)


def _fans_with_tags(creator, count):
    tags = [TagFactory(creator=creator, name=n) for n in ("vip", "new", "loyal")]
    for _ in range(count):
        FanFactory(creator=creator).tags.set(tags)


@pytest.mark.parametrize("count", [1, 25])
def test_fan_list_query_count_is_constant(crm_client, creator, django_assert_num_queries, count):
    _fans_with_tags(creator, count)
    # user + creator (one join), the page, the page's tags
    with django_assert_num_queries(3):
        response = crm_client.get("/api/crm/fans", {"tag": "vip", "q": "", "ordering": "-value_cents"})
    assert len(response.json()["fans"]) == count
    assert all(len(f["tags"]) == 3 for f in response.json()["fans"])


@pytest.mark.parametrize("count", [1, 25])
def test_conversation_list_query_count_is_constant(crm_client, creator, django_assert_num_queries, count):
    for _ in range(count):
        conversation = ConversationFactory(fan=FanFactory(creator=creator))
        services.conversation_update(conversation=conversation, tags=["a", "b"])
    with django_assert_num_queries(3):
        response = crm_client.get("/api/crm/conversations", {"ordering": "-last_message_at"})
    assert len(response.json()["conversations"]) == count


@pytest.mark.parametrize("count", [1, 25])
def test_message_and_transaction_list_query_counts_are_constant(crm_client, creator, django_assert_num_queries, count):
    conversation = ConversationFactory(fan=FanFactory(creator=creator))
    for i in range(count):
        services.message_add(conversation=conversation, direction="in", text=str(i))
        TransactionFactory(fan=conversation.fan)
    with django_assert_num_queries(3):  # user + creator, the conversation, the page
        assert_status(crm_client.get(f"/api/crm/conversations/{conversation.pk}/messages"), 200)
    with django_assert_num_queries(2):  # user + creator, the page
        assert_status(crm_client.get("/api/crm/transactions"), 200)
