"""Declarative per-verb cases for the seed-000 endpoints (after NetBox's API test mixins).

A test class names its endpoint (`method`, `path` with `{fan}`/`{conversation}` placeholders)
and, for writes, a valid `body`, the `invalid` bodies with their error strings and the owner
fields a body must not set. The mixins turn that into the anonymous, bad-token, non-creator,
other-creator, malformed-body and rate-limit-header cases every endpoint must pass.
"""

import json
from datetime import timedelta

from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from tests.factories import ConversationFactory, FanFactory, UserFactory
from tests.helpers import assert_crm_error, assert_status, jwt_for

CSRF_SECRET = "a" * 32  # an unmasked token equal to the cookie's secret is a valid CSRF token


def objects_of(creator) -> dict:
    fan = FanFactory(creator=creator, platform="onlyfans")
    conversation = ConversationFactory(fan=fan)
    return {"fan": fan.pk, "conversation": conversation.pk, "creator": creator}


class ReadCases:
    """Every endpoint (reads and writes): who may call it."""

    method = "get"
    path = ""
    ok_status = 200

    def body(self, objs) -> dict | None:
        return None

    def url(self, objs) -> str:
        return self.path.format(**objs)

    def call(self, client, objs, body=None, raw: bytes | None = None, content_type="application/json", **extra):
        url = self.url(objs)
        if raw is not None:
            return getattr(client, self.method)(url, data=raw, content_type=content_type, **extra)
        body = self.body(objs) if body is None else body
        if body is None:
            return getattr(client, self.method)(url, **extra)
        return getattr(client, self.method)(url, data=json.dumps(body), content_type=content_type, **extra)

    def test_ok(self, crm_client, objs):
        assert_status(self.call(crm_client, objs), self.ok_status)

    def test_unauthenticated(self, anon_client, objs):
        response = self.call(anon_client, objs)
        assert_crm_error(response, 401, "Not authenticated")
        assert "X-RateLimit-Remaining" not in response

    def test_expired_jwt(self, creator, objs):
        token = AccessToken.for_user(creator.user)
        token.set_exp(lifetime=-timedelta(seconds=1))
        client = APIClient()
        client.cookies["access_token"] = str(token)
        assert_crm_error(self.call(client, objs), 401, "Not authenticated")

    def test_tampered_jwt(self, creator, objs):
        header, payload, signature = jwt_for(creator.user).split(".")
        client = APIClient()
        client.cookies["access_token"] = f"{header}.{payload}.{signature[::-1]}"
        assert_crm_error(self.call(client, objs), 401, "Not authenticated")

    def test_auth_token_fallback_cookie(self, creator, objs):
        client = APIClient()
        client.cookies["auth_token"] = jwt_for(creator.user)
        assert_status(self.call(client, objs), self.ok_status)

    def test_bearer_header(self, creator, objs):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {jwt_for(creator.user)}")
        assert_status(self.call(client, objs), self.ok_status)

    def test_session(self, creator, objs):
        client = APIClient(enforce_csrf_checks=True)
        client.force_login(creator.user)
        if self.method != "get":
            # Without the CSRF token a session write is refused; with it, it passes.
            assert_crm_error(self.call(client, objs), 403, "Forbidden")
            client.cookies["csrftoken"] = CSRF_SECRET
            assert_status(self.call(client, objs, HTTP_X_CSRFTOKEN=CSRF_SECRET), self.ok_status)
        else:
            assert_status(self.call(client, objs), self.ok_status)

    def test_non_creator_is_forbidden(self, db, objs):
        client = APIClient()
        client.cookies["access_token"] = jwt_for(UserFactory())
        assert_crm_error(self.call(client, objs), 403, "Forbidden")


class WriteCases(ReadCases):
    """Writes: body validation, the owner fields a body cannot set, and the write budget."""

    method = "post"
    ok_status = 201
    invalid: list[tuple[dict, str]] = []  # (changes to the valid body, expected error)
    owner_fields = {"user_id": 999_999, "creator": 999_999, "creator_id": 999_999}

    def test_invalid_inputs(self, crm_client, objs):
        for changes, message in self.invalid:
            body = {**self.body(objs), **changes}
            body = {k: v for k, v in body.items() if v is not ABSENT}
            response = self.call(crm_client, objs, body=body)
            assert response.json() == {"error": message}, (changes, response.json())
            assert response.status_code == 400, changes

    def test_malformed_json(self, crm_client, objs):
        for raw in (b"{", b'{"name": }', b"\xff\xfe", b"NaN", b"[" * 100_000):
            assert_crm_error(self.call(crm_client, objs, raw=raw), 400, "Invalid JSON")

    def test_json_that_is_not_an_object(self, crm_client, objs):
        for raw in (b"[]", b'"text"', b"42", b"null"):
            response = self.call(crm_client, objs, raw=raw)
            assert_crm_error(response, 400, "Invalid JSON")

    def test_oversized_body(self, crm_client, objs):
        body = {**self.body(objs), "padding": "x" * 1_000_001}
        assert_crm_error(self.call(crm_client, objs, body=body), 413, "Request body too large")

    def test_form_body_is_refused(self, crm_client, objs):
        # Cookie-authenticated: refused before anything is parsed (see test_csrf for the why).
        response = self.call(crm_client, objs, raw=b"name=x", content_type="application/x-www-form-urlencoded")
        assert_crm_error(response, 403, "Forbidden")

    def test_unknown_and_owner_fields_are_ignored(self, crm_client, objs, other_creator):
        body = {**self.body(objs), **self.owner_fields, "surprise": {"nested": [1, 2]}}
        response = self.call(crm_client, objs, body=body)
        assert_status(response, self.ok_status)
        payload = next(iter(response.json().values())) if response.content else {}
        if "user_id" in payload:
            assert payload["user_id"] == objs["creator"].user_id

    def test_rate_limit_headers(self, crm_client, objs):
        response = self.call(crm_client, objs)
        assert response["X-RateLimit-Limit"] == "60"
        assert response["X-RateLimit-Remaining"] == "59"
        assert int(response["X-RateLimit-Reset"]) > 1_700_000_000


class DeleteCases(ReadCases):
    method = "delete"
    ok_status = 204

    def test_rate_limit_headers(self, crm_client, objs):
        response = self.call(crm_client, objs)
        assert response["X-RateLimit-Remaining"] == "59"


class ObjectCases:
    """Endpoints whose path names a fan or conversation: another creator's id is a missing id."""

    not_found_message = ""

    def test_other_creators_object_is_not_found(self, other_crm_client, objs):
        assert_crm_error(self.call(other_crm_client, objs), 404, self.not_found_message)

    def test_unknown_id_is_not_found(self, crm_client, objs):
        for bad in ("999999", "abc", "0", "-1", "1e3", str(2**70)):
            missing = {k: bad if k in ("fan", "conversation") else v for k, v in objs.items()}
            assert_crm_error(self.call(crm_client, missing), 404, self.not_found_message)


class _Absent:
    def __repr__(self):
        return "ABSENT"


ABSENT = _Absent()  # in `invalid`: remove this field from the valid body
