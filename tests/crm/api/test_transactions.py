"""GET/POST /api/crm/transactions."""

from datetime import timedelta

import pytest
from django.utils import timezone

from crm.models import Fan, Transaction
from tests.crm.api.cases import ABSENT, ReadCases, WriteCases
from tests.factories import FanFactory, TransactionFactory
from tests.helpers import assert_crm_error, assert_status

pytestmark = pytest.mark.django_db

TRANSACTION_KEYS = {"id", "user_id", "fan_id", "kind", "amount_cents", "platform", "external_id",
                    "occurred_at", "created_at", "message_id"}  # message_id: the campaigns extension


class TestTransactionList(ReadCases):
    path = "/api/crm/transactions"


class TestTransactionCreate(WriteCases):
    path = "/api/crm/transactions"
    owner_fields = {"user_id": 1, "creator": 1, "message": 1, "created_at": "2020-01-01T00:00:00Z"}
    invalid = [
        ({"fanId": ABSENT}, "fanId is required"),
        ({"fanId": "1"}, "Invalid fanId"),
        ({"kind": ABSENT}, "kind is required"),
        ({"kind": "gift"}, "Invalid kind"),
        ({"kind": "opening_balance"}, "Invalid kind"),
        ({"amount_cents": ABSENT}, "amount_cents is required"),
        ({"amount_cents": 0}, "Invalid amount_cents"),
        ({"amount_cents": -5}, "Invalid amount_cents"),
        ({"amount_cents": "500"}, "Invalid amount_cents"),
        ({"amount_cents": 2**63}, "Invalid amount_cents"),
        ({"occurred_at": "yesterday"}, "Invalid occurred_at"),
        ({"occurred_at": 1698765432}, "Invalid occurred_at"),
        ({"occurred_at": "9999-12-31T23:59:59-23:00"}, "Invalid occurred_at"),
        # Dates are bounded: 2000-01-01 to a day from now (crm.validators).
        ({"occurred_at": "0143-11-20T10:00:00Z"}, "Invalid occurred_at"),
        ({"occurred_at": "1999-12-31T23:59:59Z"}, "Invalid occurred_at"),
        ({"occurred_at": "2999-01-01T00:00:00Z"}, "Invalid occurred_at"),
        ({"platform": "myspace"}, "Invalid platform"),
        ({"external_id": 5}, "Invalid external_id"),
    ]

    def body(self, objs):
        return {"fanId": objs["fan"], "kind": "tip", "amount_cents": 500}

    def test_other_creators_fan_is_not_found(self, other_crm_client, objs):
        assert_crm_error(other_crm_client.post(self.path, self.body(objs), format="json"), 404, "Fan not found")


def test_record_updates_lifetime_value_and_dedupes(crm_client, creator):
    fan = FanFactory(creator=creator, platform="fansly")
    body = {"fanId": fan.pk, "kind": "ppv", "amount_cents": 1200, "external_id": "ext-1",
            "occurred_at": "2025-10-31T10:00:00+02:00"}
    first = crm_client.post("/api/crm/transactions", body, format="json")
    assert_status(first, 201)
    txn = first.json()["transaction"]
    assert set(txn) == TRANSACTION_KEYS
    assert (txn["platform"], txn["occurred_at"], txn["user_id"]) == ("fansly", "2025-10-31T08:00:00Z", creator.user_id)
    again = crm_client.post("/api/crm/transactions", body, format="json")
    assert_status(again, 200)
    assert again.json()["transaction"]["id"] == txn["id"]
    assert Fan.objects.get(pk=fan.pk).value_cents == 1200
    refund = {"fanId": fan.pk, "kind": "refund", "amount_cents": 200}
    assert_status(crm_client.post("/api/crm/transactions", refund, format="json"), 201)
    assert Fan.objects.get(pk=fan.pk).value_cents == 1000


def test_naive_occurred_at_is_utc(crm_client, creator):
    fan = FanFactory(creator=creator)
    body = {"fanId": fan.pk, "kind": "tip", "amount_cents": 1, "occurred_at": "2025-01-02T03:04:05"}
    assert crm_client.post("/api/crm/transactions", body, format="json").json()["transaction"]["occurred_at"] == "2025-01-02T03:04:05Z"


def test_list_filters_newest_first(crm_client, creator, other_creator):
    a = FanFactory(creator=creator)
    b = FanFactory(creator=creator)
    old = TransactionFactory(fan=a, kind="tip")
    new = TransactionFactory(fan=b, kind="subscription")
    TransactionFactory(fan=FanFactory(creator=other_creator))

    def ids(query=""):
        response = crm_client.get(f"/api/crm/transactions?{query}")
        assert_status(response, 200)
        return [t["id"] for t in response.json()["transactions"]]

    assert ids() == [new.pk, old.pk]
    assert ids(f"fan={a.pk}") == [old.pk]
    assert ids("kind=subscription") == [new.pk]
    assert ids("ordering=occurred_at") == [old.pk, new.pk]
    assert_crm_error(crm_client.get("/api/crm/transactions?kind=gift"), 400, "Invalid kind")
    assert Transaction.objects.count() == 3


def test_the_date_bounds_are_inclusive_and_a_day_ahead_is_accepted(crm_client, creator):
    fan = FanFactory(creator=creator)
    soon = (timezone.now() + timedelta(hours=23)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for when in ("2000-01-01T00:00:00Z", soon):
        body = {"fanId": fan.pk, "kind": "tip", "amount_cents": 1, "occurred_at": when}
        assert_status(crm_client.post("/api/crm/transactions", body, format="json"), 201)
