"""GET /api/analytics/overview on the seed-000 surface."""

import pytest
from django.utils import timezone

from tests.analytics.builders import build_dataset
from tests.helpers import jwt_for

pytestmark = pytest.mark.django_db
URL = "/api/analytics/overview"

SEED_KEYS = {
    "metrics": {"revenueMonthly", "activeSubscribers", "avgResponseSeconds", "aiAutomationRate", "change"},
    "change": {"revenue", "subscribers", "response", "automation"},
    "topFan": {"name", "username", "revenue", "messages", "lastActive", "badge", "trend"},
    "platform": {"platform", "share", "revenue"},
}


def test_shape_is_exactly_the_seed(crm_client):
    build_dataset(crm_client.creator, now=timezone.now())
    response = crm_client.get(URL)
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"metrics", "topFans", "platformDistribution", "revenueSeries", "fanGrowth"}
    assert set(body["metrics"]) == SEED_KEYS["metrics"]
    assert set(body["metrics"]["change"]) == SEED_KEYS["change"]
    assert body["topFans"] and all(set(f) == SEED_KEYS["topFan"] for f in body["topFans"])
    assert body["platformDistribution"] and all(
        set(p) == SEED_KEYS["platform"] for p in body["platformDistribution"]
    )
    assert set(body["revenueSeries"]) == {"labels", "values"}
    assert set(body["fanGrowth"]) == {"labels", "newFans", "activeFans"}
    assert isinstance(body["metrics"]["revenueMonthly"], int)
    assert isinstance(body["metrics"]["aiAutomationRate"], float | int)
    assert not isinstance(body["metrics"]["avgResponseSeconds"], str)


def test_bearer_header_and_window(creator, client):
    response = client.get(URL, {"window": "7d"}, HTTP_AUTHORIZATION=f"Bearer {jwt_for(creator.user)}")
    assert response.status_code == 200
    assert response.json()["metrics"]["revenueMonthly"] == 0


@pytest.mark.parametrize("window", ["7d", "30d", "90d", ""])
def test_valid_windows(crm_client, window):
    assert crm_client.get(URL, {"window": window}).status_code == 200


@pytest.mark.parametrize("window", ["1d", "30", "thirty", "30d;drop", "9" * 400])
def test_invalid_window(crm_client, window):
    response = crm_client.get(URL, {"window": window})
    assert response.status_code == 400
    assert response.json() == {"error": "Invalid window"}


def test_unauthenticated(anon_client):
    response = anon_client.get(URL)
    assert response.status_code == 401
    assert response.json() == {"error": "Not authenticated"}


def test_bad_token(anon_client):
    anon_client.cookies["access_token"] = "not-a-jwt"
    response = anon_client.get(URL)
    assert response.status_code == 401
    assert response.json() == {"error": "Not authenticated"}


def test_other_creators_data_never_counts(crm_client, other_crm_client):
    build_dataset(other_crm_client.creator, now=timezone.now())
    body = crm_client.get(URL).json()
    assert body["metrics"]["revenueMonthly"] == 0
    assert body["topFans"] == [] and body["platformDistribution"] == []
    assert other_crm_client.get(URL).json()["topFans"]


def test_write_methods_are_refused(crm_client):
    response = crm_client.post(URL, {}, format="json")
    assert response.status_code == 405
    assert response.json() == {"error": "Method not allowed"}
