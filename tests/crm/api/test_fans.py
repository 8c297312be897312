"""GET/POST /api/crm/fans and GET/PATCH/DELETE /api/crm/fans/{id}."""

from datetime import UTC, datetime

import pytest

from crm.models import Fan, Transaction
from tests.crm.api.cases import ABSENT, DeleteCases, ObjectCases, ReadCases, WriteCases
from tests.factories import FanFactory, TagFactory
from tests.helpers import assert_crm_error, assert_status

pytestmark = pytest.mark.django_db

FAN_KEYS = {"id", "user_id", "name", "platform", "platform_id", "handle", "tags", "value_cents", "created_at", "updated_at",
            # the documented consent and do-not-contact extensions (issue 20)
            "consent_source", "consent_at", "consent_text", "do_not_contact", "do_not_contact_reason", "do_not_contact_at"}

FAN_INVALID = [
    ({"name": ABSENT}, "name is required"),
    ({"name": ""}, "name is required"),
    ({"name": None}, "name is required"),
    ({"name": 42}, "Invalid name"),
    ({"name": "x" * 256}, "Invalid name"),
    ({"name": "a\x00b"}, "Invalid name"),  # PostgreSQL cannot store NUL: refused, not a 500
    ({"platform": ABSENT}, "platform is required"),
    ({"platform": "myspace"}, "Invalid platform"),
    ({"platform": ["onlyfans"]}, "Invalid platform"),
    ({"platform_id": ABSENT}, "platform_id is required"),
    ({"platform_id": 123}, "Invalid platform_id"),
    ({"handle": 5}, "Invalid handle"),
    ({"tags": "vip"}, "Invalid tags"),
    ({"tags": [1]}, "Invalid tags"),
    ({"tags": {"vip": True}}, "Invalid tags"),
    ({"tags": ["t"] * 51}, "Invalid tags"),
    ({"value_cents": -1}, "Invalid value_cents"),
    ({"value_cents": "100"}, "Invalid value_cents"),
    ({"value_cents": 1.5}, "Invalid value_cents"),
    ({"value_cents": True}, "Invalid value_cents"),
    ({"value_cents": 2**63}, "Invalid value_cents"),
]


class TestFanList(ReadCases):
    path = "/api/crm/fans"


class TestFanCreate(WriteCases):
    path = "/api/crm/fans"
    invalid = FAN_INVALID

    def body(self, objs):
        return {"name": "Sarah Mitchell", "platform": "fansly", "platform_id": "fansly_sarah_456"}

    def test_unknown_and_owner_fields_are_ignored(self, crm_client, objs, other_creator):
        body = {**self.body(objs), "user_id": other_creator.user_id, "id": 5000, "creator": other_creator.pk}
        response = crm_client.post(self.path, body, format="json")
        assert_status(response, 201)
        fan = Fan.objects.get(pk=response.json()["fan"]["id"])
        assert fan.creator == objs["creator"] and fan.pk != 5000
        assert response.json()["fan"]["user_id"] == objs["creator"].user_id


class TestFanDetail(ObjectCases, ReadCases):
    path = "/api/crm/fans/{fan}"
    not_found_message = "Fan not found"


class TestFanUpdate(ObjectCases, WriteCases):
    method = "patch"
    path = "/api/crm/fans/{fan}"
    ok_status = 200
    not_found_message = "Fan not found"
    invalid = [change for change in FAN_INVALID if ABSENT not in change[0].values() and "value_cents" not in change[0]]

    def body(self, objs):
        return {"name": "Renamed"}


class TestFanDelete(ObjectCases, DeleteCases):
    path = "/api/crm/fans/{fan}"
    not_found_message = "Fan not found"


def test_create_returns_the_documented_fan(crm_client):
    body = {"name": "Sarah Mitchell", "platform": "fansly", "platform_id": "fansly_sarah_456",
            "handle": "@sarahm", "tags": ["vip"], "value_cents": 0}
    response = crm_client.post("/api/crm/fans", body, format="json")
    assert_status(response, 201)
    fan = response.json()["fan"]
    assert set(fan) == FAN_KEYS
    assert fan["tags"] == ["vip"] and fan["handle"] == "@sarahm" and fan["value_cents"] == 0
    assert fan["created_at"].endswith("Z") and len(fan["created_at"]) == 20


def test_value_cents_becomes_an_opening_balance(crm_client):
    body = {"name": "Whale", "platform": "onlyfans", "platform_id": "of_w", "value_cents": 25000}
    fan = crm_client.post("/api/crm/fans", body, format="json").json()["fan"]
    assert fan["value_cents"] == 25000
    txn = Transaction.objects.get(fan_id=fan["id"])
    assert (txn.kind, txn.amount_cents) == ("opening_balance", 25000)


def test_direct_platform_is_accepted(crm_client):
    body = {"name": "Walk-in", "platform": "direct", "platform_id": "d1"}
    assert_status(crm_client.post("/api/crm/fans", body, format="json"), 201)


def test_same_platform_id_twice_is_a_conflict(crm_client):
    body = {"name": "A", "platform": "onlyfans", "platform_id": "of_1"}
    assert_status(crm_client.post("/api/crm/fans", body, format="json"), 201)
    assert_crm_error(crm_client.post("/api/crm/fans", body, format="json"), 409, "Fan already exists")
    # Another platform, or another creator, may use the same id.
    assert_status(crm_client.post("/api/crm/fans", {**body, "platform": "fansly"}, format="json"), 201)


def test_another_creators_platform_id_is_no_conflict(crm_client, other_creator):
    FanFactory(creator=other_creator, platform="onlyfans", platform_id="of_1")
    body = {"name": "A", "platform": "onlyfans", "platform_id": "of_1"}
    assert_status(crm_client.post("/api/crm/fans", body, format="json"), 201)


def test_patch_changes_listed_fields_only(crm_client, creator):
    fan = FanFactory(creator=creator, platform_id="p1")
    body = {"name": "New", "handle": None, "tags": ["b", "a"], "value_cents": 999, "user_id": 1}
    response = crm_client.patch(f"/api/crm/fans/{fan.pk}", body, format="json")
    assert_status(response, 200)
    data = response.json()["fan"]
    assert (data["name"], data["handle"], data["value_cents"]) == ("New", None, 0)
    assert sorted(data["tags"]) == ["a", "b"]


@pytest.mark.parametrize("body", [{"tags": ["x"]}, {"name": "Renamed"}, {"name": "Both", "tags": []}])
def test_patch_answers_what_a_get_shows_afterwards(crm_client, creator, body):
    fan = FanFactory(creator=creator)
    fan.tags.set([TagFactory(creator=creator, name="old")])
    Fan.objects.filter(pk=fan.pk).update(updated_at=datetime(2020, 1, 1, tzinfo=UTC))
    response = crm_client.patch(f"/api/crm/fans/{fan.pk}", body, format="json")
    assert_status(response, 200)
    answer = response.json()["fan"]
    assert answer == crm_client.get(f"/api/crm/fans/{fan.pk}").json()["fan"]
    assert not answer["updated_at"].startswith("2020")


def test_patch_to_a_taken_platform_id_is_a_conflict(crm_client, creator):
    FanFactory(creator=creator, platform="onlyfans", platform_id="taken")
    fan = FanFactory(creator=creator, platform="onlyfans", platform_id="mine")
    response = crm_client.patch(f"/api/crm/fans/{fan.pk}", {"platform_id": "taken"}, format="json")
    assert_crm_error(response, 409, "Fan already exists")


def test_delete_removes_the_fan(crm_client, creator):
    fan = FanFactory(creator=creator)
    assert_status(crm_client.delete(f"/api/crm/fans/{fan.pk}"), 204)
    assert not Fan.objects.filter(pk=fan.pk).exists()
    assert_crm_error(crm_client.get(f"/api/crm/fans/{fan.pk}"), 404, "Fan not found")


def test_list_is_the_callers_fans_only(crm_client, creator, other_creator):
    mine = FanFactory(creator=creator)
    FanFactory(creator=other_creator)
    fans = crm_client.get("/api/crm/fans").json()["fans"]
    assert [f["id"] for f in fans] == [mine.pk]


def test_list_filters(crm_client, creator):
    vip = TagFactory(creator=creator, name="vip")
    a = FanFactory(creator=creator, name="Alice Smith", platform="onlyfans")
    a.tags.add(vip)
    b = FanFactory(creator=creator, name="Bob Jones", platform="fansly", handle="@bobby")
    FanFactory(creator=creator, name="Carol", platform="fansly")

    def ids(query):
        response = crm_client.get(f"/api/crm/fans?{query}")
        assert_status(response, 200)
        return {f["id"] for f in response.json()["fans"]}

    assert ids("tag=vip") == {a.pk}
    assert ids("q=bobby") == {b.pk}
    assert ids("q=smith") == {a.pk}
    assert ids("platform=fansly&q=bob") == {b.pk}
    assert_crm_error(crm_client.get("/api/crm/fans?platform=myspace"), 400, "Invalid platform")
    assert_crm_error(crm_client.get("/api/crm/fans", {"q": "a\x00"}), 400, "Invalid q")


def test_list_ordering(crm_client, creator):
    low = FanFactory(creator=creator, name="Zed")
    high = FanFactory(creator=creator, name="Amy")
    from tests.factories import TransactionFactory

    TransactionFactory(fan=high, amount_cents=5000)
    TransactionFactory(fan=low, amount_cents=10)

    def order(name):
        return [f["id"] for f in crm_client.get(f"/api/crm/fans?ordering={name}").json()["fans"]]

    assert order("-value_cents") == [high.pk, low.pk]
    assert order("value_cents") == [low.pk, high.pk]
    assert order("name") == [high.pk, low.pk]
    assert order("-id") == [high.pk, low.pk]
    assert order("created_at") == [low.pk, high.pk]
    assert_crm_error(crm_client.get("/api/crm/fans?ordering=password"), 400, "Invalid ordering")
