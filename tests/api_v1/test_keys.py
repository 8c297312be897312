"""POST /api/v1/auth/generate-key and /revoke-key."""

import hashlib

import pytest
from django.contrib.auth import base_user
from rest_framework.test import APIClient

from crm.models import ApiKey
from tests.factories import DEFAULT_PASSWORD, ApiKeyFactory
from tests.helpers import assert_status, assert_v1_error

pytestmark = pytest.mark.django_db

GENERATE = "/api/v1/auth/generate-key"
REVOKE = "/api/v1/auth/revoke-key"


def credentials(creator, **extra):
    return {"model_slug": creator.slug, "password": DEFAULT_PASSWORD, **extra}


def test_generate_returns_the_key_once_and_stores_only_its_hash(anon_client, creator):
    data = assert_status(
        anon_client.post(GENERATE, credentials(creator, name="Booking app"), format="json"), 201
    )
    assert data["success"] is True
    key = data["data"]
    assert key["api_key"].startswith("pk_")
    assert key["model_id"] == creator.pk
    assert key["model_slug"] == creator.slug
    assert key["expires"] == "Never (revoke to disable)"
    assert key["note"] == "Store this key securely - it will not be shown again"
    stored = ApiKey.objects.get(creator=creator)
    assert stored.name == "Booking app"
    assert stored.key_hash == hashlib.sha256(key["api_key"].encode()).hexdigest()
    assert key["api_key"].startswith(stored.prefix) and len(stored.prefix) < len(key["api_key"])
    assert key["api_key"] not in {stored.name, stored.prefix, stored.key_hash}


def test_generated_key_authenticates_and_records_its_use(anon_client, creator):
    raw = anon_client.post(GENERATE, credentials(creator), format="json").json()["data"]["api_key"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert_status(client.get("/api/v1/clients"), 200)
    assert ApiKey.objects.get(creator=creator).last_used_at is not None


def test_a_creator_may_hold_several_named_keys(anon_client, creator):
    for name in ("one", "two"):
        assert_status(anon_client.post(GENERATE, credentials(creator, name=name), format="json"), 201)
    assert sorted(ApiKey.objects.filter(creator=creator).values_list("name", flat=True)) == ["one", "two"]


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"model_slug": "x"},
        {"password": "x"},
        {"model_slug": "", "password": "x"},
        {"model_slug": 5, "password": "x"},
        {"model_slug": "x", "password": ["x"]},
    ],
)
@pytest.mark.parametrize("url", [GENERATE, REVOKE])
def test_missing_credentials(anon_client, creator, url, payload):
    assert_v1_error(
        anon_client.post(url, payload, format="json"), 400, "model_slug and password are required"
    )


@pytest.mark.parametrize("url", [GENERATE, REVOKE])
def test_unknown_slug_and_wrong_password_look_the_same(anon_client, creator, url, monkeypatch):
    hashed = []
    original = base_user.make_password
    monkeypatch.setattr(base_user, "make_password", lambda *a, **k: hashed.append(1) or original(*a, **k))
    unknown = anon_client.post(url, {"model_slug": "nobody-here", "password": "whatever"}, format="json")
    # The unknown slug still pays for a password hash, so timing does not tell them apart.
    assert hashed, "no password hashing for an unknown slug"
    wrong = anon_client.post(url, {"model_slug": creator.slug, "password": "wrong"}, format="json")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json() == {"success": False, "error": "Invalid credentials"}
    assert not ApiKey.objects.exists()


def test_inactive_account_cannot_get_a_key(anon_client, creator):
    creator.user.is_active = False
    creator.user.save()
    assert_v1_error(
        anon_client.post(GENERATE, credentials(creator), format="json"), 401, "Invalid credentials"
    )


def test_invalid_name(anon_client, creator):
    assert_v1_error(
        anon_client.post(GENERATE, credentials(creator, name=7), format="json"), 400, "Invalid name"
    )


def test_key_endpoints_are_rate_limited_per_address(anon_client, creator):
    for _ in range(10):
        anon_client.post(REVOKE, {"model_slug": creator.slug, "password": "wrong"}, format="json")
    response = anon_client.post(GENERATE, credentials(creator), format="json")
    assert_v1_error(response, 429, "Rate limit exceeded")
    assert int(response["Retry-After"]) > 0
    assert response["X-RateLimit-Limit"] == "10"
    # Another address is not affected.
    other = APIClient(REMOTE_ADDR="10.0.0.9")
    assert_status(other.post(GENERATE, credentials(creator), format="json"), 201)


def test_revoke_disables_every_key_of_the_creator(anon_client, creator, other_creator):
    keys = [ApiKeyFactory(creator=creator), ApiKeyFactory(creator=creator)]
    other_key = ApiKeyFactory(creator=other_creator)
    data = assert_status(anon_client.post(REVOKE, credentials(creator), format="json"), 200)
    assert data["success"] is True and data["data"]["revoked"] == 2
    for key in keys:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key.raw_key}")
        assert_v1_error(client.get("/api/v1/clients"), 401, "Invalid API key")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {other_key.raw_key}")
    assert_status(client.get("/api/v1/clients"), 200)


def test_key_of_deactivated_account_stops_working(v1_client, creator):
    creator.user.is_active = False
    creator.user.save()
    assert_v1_error(v1_client.get("/api/v1/clients"), 401, "Invalid API key")


def test_key_endpoints_answer_other_methods_with_405(anon_client):
    assert_v1_error(anon_client.get(GENERATE), 405, "Method not allowed")
