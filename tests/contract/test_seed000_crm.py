"""Seed 000 (`seeds/000_39da1b11e80c279d.txt`): every example request of the document, replayed.

Each test names the section it replays and checks status, keys and JSON types exactly as the
document shows them. The analytics and webhook examples are replayed by their own suites.
"""

import re

import pytest
from django.test import Client

from tests.factories import DEFAULT_PASSWORD, ConversationFactory, FanFactory, TagFactory
from tests.helpers import cookie_client, jwt_for, send_json

pytestmark = pytest.mark.django_db

ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
INT, STR, LIST, TIMESTAMP = "integer", "string", "array", "timestamp"

# "Fields" tables of the document; `None` after a type: nullable.
FAN_FIELDS = {
    "id": INT, "user_id": INT, "name": STR, "platform": STR, "platform_id": STR,
    "handle": (STR, None), "tags": LIST, "value_cents": INT, "created_at": TIMESTAMP,
    "updated_at": TIMESTAMP,
}
CONVERSATION_FIELDS = {
    "id": INT, "user_id": INT, "fan_id": INT, "platform": STR,
    "platform_conversation_id": (STR, None), "last_message_at": (TIMESTAMP, None),
    "unread_count": INT, "created_at": TIMESTAMP,
}
DOCUMENTED_PLATFORMS = {"onlyfans", "fansly", "patreon", "instagram", "tiktok"}


def check_type(value, kind) -> bool:
    if isinstance(kind, tuple):
        return any(check_type(value, k) for k in kind)
    if kind is None:
        return value is None
    return {
        INT: lambda v: isinstance(v, int) and not isinstance(v, bool),
        STR: lambda v: isinstance(v, str),
        LIST: lambda v: isinstance(v, list),
        TIMESTAMP: lambda v: isinstance(v, str) and bool(ISO_UTC.match(v)),
    }[kind](value)


def assert_fields(obj: dict, fields: dict):
    missing = set(fields) - set(obj)
    assert not missing, f"missing {missing} in {obj}"
    for name, kind in fields.items():
        assert check_type(obj[name], kind), f"{name}={obj[name]!r} is not {kind}"


def post_json(client, path, body, **headers):
    return send_json(client, "post", path, body, **headers)


# --- Authentication ---------------------------------------------------------------------------


def test_authentication_example_request(creator):
    response = cookie_client(creator.user).get("/api/crm/fans")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


def test_auth_token_fallback_cookie(creator):
    response = Client(HTTP_COOKIE=f"auth_token={jwt_for(creator.user)}").get("/api/crm/fans")
    assert response.status_code == 200


def test_authentication_errors(creator):
    missing = Client().get("/api/crm/fans")
    assert (missing.status_code, missing.json()) == (401, {"error": "Not authenticated"})
    invalid = Client(HTTP_COOKIE="access_token=YOUR_JWT_TOKEN").get("/api/crm/fans")
    assert (invalid.status_code, invalid.json()) == (401, {"error": "Not authenticated"})
    from tests.factories import UserFactory

    not_a_creator = Client(HTTP_COOKIE=f"access_token={jwt_for(UserFactory())}").get("/api/crm/fans")
    assert not_a_creator.status_code == 403 and set(not_a_creator.json()) == {"error"}


# --- Rate limiting ----------------------------------------------------------------------------


def test_rate_limit_headers_and_exceeded_response(creator):
    client = cookie_client(creator.user)
    for i in range(60):
        response = post_json(client, "/api/crm/fans", {"name": f"F{i}", "platform": "onlyfans", "platform_id": f"p{i}"})
        for header in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"):
            assert response[header].isdigit()
        assert response["X-RateLimit-Limit"] == "60"
    limited = post_json(client, "/api/crm/fans", {"name": "F", "platform": "onlyfans", "platform_id": "p"})
    assert limited.status_code == 429
    assert limited.json() == {"error": "Rate limit exceeded"}
    assert "X-RateLimit-Limit" not in client.get("/api/crm/fans")  # Read (GET): no limit


# --- Fans Management --------------------------------------------------------------------------


def test_list_fans(creator):
    fan = FanFactory(creator=creator, name="John Subscriber", platform="onlyfans", platform_id="of_john_123", handle="@johnfan")
    fan.tags.set([TagFactory(creator=creator, name="vip"), TagFactory(creator=creator, name="active")])
    response = cookie_client(creator.user).get("/api/crm/fans")
    assert response.status_code == 200
    body = response.json()
    assert isinstance(body["fans"], list) and len(body["fans"]) == 1
    listed = body["fans"][0]
    assert_fields(listed, FAN_FIELDS)
    assert listed["user_id"] == creator.user_id
    assert sorted(listed["tags"]) == ["active", "vip"] and listed["platform"] in DOCUMENTED_PLATFORMS


def test_create_fan():
    from tests.factories import CreatorFactory

    creator = CreatorFactory()
    body = {
        "name": "Sarah Mitchell",
        "platform": "fansly",
        "platform_id": "fansly_sarah_456",
        "handle": "@sarahm",
        "tags": ["vip"],
        "value_cents": 0,
    }
    response = post_json(cookie_client(creator.user), "/api/crm/fans", body)
    assert response.status_code == 201
    fan = response.json()["fan"]
    assert_fields(fan, FAN_FIELDS)
    assert {k: fan[k] for k in body} == body
    assert fan["user_id"] == creator.user_id


def test_create_fan_missing_required_field(creator):
    response = post_json(cookie_client(creator.user), "/api/crm/fans", {"platform": "fansly", "platform_id": "x"})
    assert response.status_code == 400
    assert response.json() == {"error": "name is required"}


# --- Conversations ----------------------------------------------------------------------------


def test_list_conversations(creator):
    ConversationFactory(fan=FanFactory(creator=creator), platform_conversation_id="conv_john_123")
    response = cookie_client(creator.user).get("/api/crm/conversations")
    assert response.status_code == 200
    conversations = response.json()["conversations"]
    assert len(conversations) == 1
    assert_fields(conversations[0], CONVERSATION_FIELDS)
    assert conversations[0]["platform_conversation_id"] == "conv_john_123"


def test_create_conversation(creator):
    fan = FanFactory(creator=creator, platform="onlyfans")
    response = post_json(cookie_client(creator.user), "/api/crm/conversations", {"fanId": fan.pk, "platform": "onlyfans"})
    assert response.status_code == 201
    conversation = response.json()["conversation"]
    assert_fields(conversation, CONVERSATION_FIELDS)
    assert (conversation["fan_id"], conversation["platform"]) == (fan.pk, "onlyfans")
    assert conversation["platform_conversation_id"] is None and conversation["last_message_at"] is None
    assert conversation["unread_count"] == 0


def test_create_conversation_error_example(creator):
    response = post_json(cookie_client(creator.user), "/api/crm/conversations", {"platform": "onlyfans"})
    assert response.status_code == 400
    assert response.json() == {"error": "fanId is required"}


# --- Integration Guide: Complete Flow ---------------------------------------------------------


def test_integration_guide_complete_flow(creator):
    browser = Client()  # keeps cookies, like a browser with credentials: 'include'
    same_origin = {"HTTP_ORIGIN": "http://testserver", "HTTP_SEC_FETCH_SITE": "same-origin"}

    # 1. Authenticate
    login = post_json(browser, "/api/auth/login", {"email": creator.user.email, "password": DEFAULT_PASSWORD}, **same_origin)
    assert login.status_code == 200 and "user" in login.json()

    # 2. List existing fans
    fans_response = browser.get("/api/crm/fans")
    assert 200 <= fans_response.status_code < 300  # response.ok
    fans = fans_response.json()["fans"]
    assert fans == []

    # 3. Create a new fan
    create = post_json(
        browser,
        "/api/crm/fans",
        {"name": "New Fan", "platform": "onlyfans", "platform_id": "of_new_123", "tags": ["new"]},
        **same_origin,
    )
    assert create.status_code == 201
    fan = create.json()["fan"]
    assert_fields(fan, FAN_FIELDS)
    assert fan["value_cents"] == 0 and fan["tags"] == ["new"]

    # 4. Create conversation
    conv_response = post_json(browser, "/api/crm/conversations", {"fanId": fan["id"], "platform": "onlyfans"}, **same_origin)
    assert conv_response.status_code == 201
    conversation = conv_response.json()["conversation"]
    assert_fields(conversation, CONVERSATION_FIELDS)
    assert conversation["fan_id"] == fan["id"]

    # The new fan is now in the list.
    assert [f["id"] for f in browser.get("/api/crm/fans").json()["fans"]] == [fan["id"]]


def test_error_handling_best_practice_401_shape():
    # `const { error } = await response.json()` on a 401 must find a string.
    response = Client().get("/api/crm/fans")
    assert response.status_code == 401 and isinstance(response.json()["error"], str)
