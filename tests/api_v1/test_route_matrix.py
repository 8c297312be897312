"""The cases every /api/v1 route shares, declared once per route (NetBox-style API test mixins).

Each `Route` names its method, path (with {fan}/{conversation}/{message}/{file} ids), a valid
body and the 404 message an id it cannot see gets. The tests below run every route through:
no key, malformed header, non-`pk_` key, unknown and revoked keys (401 with the documented
messages), another creator's ids and missing ids (404), a wrong method (405), malformed JSON,
a non-object body and an oversized body (400/413) — all in the v1 envelope.
"""

import json
from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from crm import services
from tests.helpers import assert_status, assert_v1_error

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    body: dict | None = None
    ok: int = 200
    not_found: str | None = None  # the 404 message for an id this creator cannot see

    @property
    def writes(self) -> bool:
        return self.method in {"POST", "PUT", "PATCH", "DELETE"}

    def url(self, ids: dict) -> str:
        return self.path.format(**ids)

    def payload(self, ids: dict):
        if self.body is None:
            return None
        return json.loads(
            json.dumps(self.body)
            .replace('"{fan}"', str(ids["fan"]))
            .replace('"{conversation}"', str(ids["conversation"]))
        )

    def __str__(self):
        return f"{self.method} {self.path}"


ROUTES = [
    Route("GET", "/api/v1/clients"),
    Route("POST", "/api/v1/clients", body={"email": "new@example.com"}, ok=201),
    Route("GET", "/api/v1/clients/{fan}", not_found="Client not found"),
    Route(
        "PUT", "/api/v1/clients/{fan}", body={"subscription_status": "active"}, not_found="Client not found"
    ),
    Route("GET", "/api/v1/notes/{fan}", not_found="Client not found"),
    Route("PUT", "/api/v1/notes/{fan}", body={"notes": "n"}, not_found="Client not found"),
    Route("DELETE", "/api/v1/notes/{fan}", not_found="Client not found"),
    Route("GET", "/api/v1/conversations"),
    Route(
        "POST",
        "/api/v1/conversations",
        body={"interaction_id": "{fan}", "subject": "New Thread"},
        ok=201,
        not_found="Client not found",
    ),
    Route("GET", "/api/v1/conversations/{conversation}", not_found="Conversation not found"),
    Route(
        "PUT",
        "/api/v1/conversations/{conversation}/archive",
        body={"archived": True},
        not_found="Conversation not found",
    ),
    Route(
        "PUT",
        "/api/v1/conversations/{conversation}/tags",
        body={"tags": ["a"]},
        not_found="Conversation not found",
    ),
    # Mark-read takes no body (and ignores one).
    Route("PUT", "/api/v1/conversations/{conversation}/read", not_found="Conversation not found"),
    Route("GET", "/api/v1/messages?conversation_id={conversation}", not_found="Conversation not found"),
    Route(
        "POST",
        "/api/v1/messages",
        body={"conversation_id": "{conversation}", "message": "hi"},
        ok=201,
        not_found="Conversation not found",
    ),
    Route("GET", "/api/v1/messages/{message}", not_found="Message not found"),
    Route("GET", "/api/v1/files?conversation_id={conversation}", not_found="Conversation not found"),
    Route("GET", "/api/v1/files/{file}", not_found="File not found"),
    Route("GET", "/api/v1/files/{file}/download", not_found="File not found"),
]
WRITE_ROUTES = [r for r in ROUTES if r.writes and r.body is not None]
LIST_ROUTES = [
    r
    for r in ROUTES
    if r.method == "GET"
    and r.path.split("?")[0]
    in {"/api/v1/clients", "/api/v1/conversations", "/api/v1/messages", "/api/v1/files"}
]
ID_ROUTES = [r for r in ROUTES if r.not_found]


def call(client, route: Route, ids: dict, **kwargs):
    send = getattr(client, route.method.lower())
    payload = route.payload(ids)
    if payload is not None and "data" not in kwargs:
        kwargs.update(data=payload, format="json")
    return send(route.url(ids), **kwargs)


def missing_ids(world) -> dict:
    return {name: 9_999_999 for name in world.ids()}


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_route_answers_its_creator(route, v1_client, world):
    response = call(v1_client, route, world.ids())
    if route.path.endswith("/download"):
        assert response.status_code == 200
        return
    data = assert_status(response, route.ok)
    assert data["success"] is True and "data" in data


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_no_authorization_header(route, anon_client, world):
    assert_v1_error(call(anon_client, route, world.ids()), 401, "Missing or invalid authorization header")


@pytest.mark.parametrize(
    "header", ["Token pk_abc", "Bearer", "Bearer pk_a pk_b", "pk_abc", "Basic dXNlcjpwYXNz"]
)
@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_malformed_authorization_header(route, header, world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = assert_v1_error(
        call(client, route, world.ids()), 401, "Missing or invalid authorization header"
    )
    assert response["success"] is False


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_key_without_pk_prefix(route, world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer sk_live_abcdef")
    assert_v1_error(call(client, route, world.ids()), 401, "Invalid API key format")


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_unknown_key(route, world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer pk_not-a-real-key")
    assert_v1_error(call(client, route, world.ids()), 401, "Invalid API key")


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_revoked_key(route, v1_client, world):
    services.api_key_revoke(api_key=v1_client.api_key)
    response = call(v1_client, route, world.ids())
    assert_v1_error(response, 401, "Invalid API key")
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("route", ID_ROUTES, ids=str)
def test_other_creators_ids_are_not_found(route, v1_client, world, other_world):
    assert_v1_error(call(v1_client, route, other_world.ids()), 404, route.not_found)


@pytest.mark.parametrize("route", ID_ROUTES, ids=str)
def test_missing_ids_are_not_found_alike(route, v1_client, world):
    assert_v1_error(call(v1_client, route, missing_ids(world)), 404, route.not_found)


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_wrong_method(route, v1_client, world):
    response = v1_client.patch(route.url(world.ids()), data={}, format="json")
    assert_v1_error(response, 405, "Method not allowed")


@pytest.mark.parametrize("route", WRITE_ROUTES, ids=str)
def test_malformed_json(route, v1_client, world):
    response = call(v1_client, route, world.ids(), data='{"broken": ', content_type="application/json")
    assert_v1_error(response, 400, "Invalid JSON")


@pytest.mark.parametrize("route", WRITE_ROUTES, ids=str)
def test_body_that_is_not_an_object(route, v1_client, world):
    response = call(v1_client, route, world.ids(), data="[1, 2]", content_type="application/json")
    assert_v1_error(response, 400, "Request body must be a JSON object")


@pytest.mark.parametrize("route", WRITE_ROUTES, ids=str)
def test_oversized_body(route, v1_client, world):
    big = json.dumps({"notes": "x" * 1_100_000})
    response = call(v1_client, route, world.ids(), data=big, content_type="application/json")
    assert_v1_error(response, 413, "Request body too large")


@pytest.mark.parametrize("route", WRITE_ROUTES, ids=str)
def test_wrong_json_types_are_400(route, v1_client, world):
    """Every field of the valid body, replaced by a value of the wrong type, is refused."""
    ids = world.ids()
    valid = route.payload(ids)
    for name in valid:
        bad = {**valid, name: {"nested": ["object"]}}
        response = call(v1_client, route, ids, data=bad, format="json")
        data = assert_v1_error(response, 400)
        assert name in data["error"].lower() or "tags" in data["error"].lower(), data


@pytest.mark.parametrize("query", ["page=0", "page=x", "limit=-5", "limit=ten"])
@pytest.mark.parametrize("route", LIST_ROUTES, ids=str)
def test_lists_refuse_invalid_paging(route, query, v1_client, world):
    url = route.url(world.ids())
    url += ("&" if "?" in url else "?") + query
    assert_v1_error(v1_client.get(url), 400, f"Invalid {query.split('=')[0]}")
