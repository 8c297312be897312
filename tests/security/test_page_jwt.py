"""The page login also sets the JWT cookies of the seed-000 JavaScript; logout ends them."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from core.api import jwt
from crm.models import UserSession
from tests.factories import DEFAULT_PASSWORD, CreatorFactory

pytestmark = pytest.mark.django_db

FAN = {"name": "New Fan", "platform": "onlyfans", "platform_id": "of_new_123", "tags": ["new"]}


@pytest.fixture
def creator(db):
    return CreatorFactory()


def page_sign_in(creator, **extra) -> tuple[Client, object]:
    client = Client(**extra)
    response = client.post("/auth/login", {"username": creator.user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302, response.content[:300]
    return client, response


def fetch_json(client, method, path, body=None, **headers):
    """What `fetch(path, {method, credentials: 'include', headers: {'Content-Type': ...}})` sends."""
    return client.generic(method, path, json.dumps(body) if body is not None else "",
                          content_type="application/json", **headers)


def test_the_page_login_sets_the_cookies_the_api_login_sets(creator):
    _client, page = page_sign_in(creator)
    api = Client().post("/api/auth/login", {"email": creator.user.email, "password": DEFAULT_PASSWORD},
                        content_type="application/json")
    for name in ("access_token", "refresh_token"):
        ours, theirs = page.cookies[name], api.cookies[name]
        for attribute in ("path", "max-age", "httponly", "samesite", "secure"):
            assert ours[attribute] == theirs[attribute], (name, attribute)
    access = AccessToken(page.cookies["access_token"].value)
    assert access["user_id"] == str(creator.user_id) and access["creator_id"] == creator.pk
    assert page.cookies["signin_device"]["httponly"]
    session = UserSession.objects.get(user=creator.user)
    assert session.refresh_jti == RefreshToken(page.cookies["refresh_token"].value)["jti"]


def test_the_seed_flow_writes_after_a_page_login(creator):
    client, _ = page_sign_in(creator)
    assert client.get("/api/crm/fans").status_code == 200
    created = fetch_json(client, "POST", "/api/crm/fans", FAN)
    assert created.status_code == 201, created.content
    fan_id = created.json()["fan"]["id"]
    conversation = fetch_json(client, "POST", "/api/crm/conversations", {"fanId": fan_id, "platform": "onlyfans"})
    assert conversation.status_code == 201
    assert client.get("/api/analytics/overview").status_code == 200


@pytest.mark.parametrize(
    "headers",
    [{"HTTP_ORIGIN": "https://evil.example"}, {"HTTP_SEC_FETCH_SITE": "cross-site"}],
)
def test_cross_site_writes_with_the_page_cookie_stay_refused(creator, headers):
    client, _ = page_sign_in(creator)
    response = fetch_json(client, "POST", "/api/crm/fans", FAN, **headers)
    assert response.status_code == 403 and response.json() == {"error": "Forbidden"}
    form = client.post("/api/crm/fans", FAN)  # an HTML form post: no preflight, refused
    assert form.status_code == 403
    assert not creator.fans.exists()


def test_an_expired_access_cookie_is_renewed_while_the_session_lasts(creator):
    client, _ = page_sign_in(creator)
    expired = AccessToken.for_user(creator.user)
    expired.set_exp(lifetime=-timedelta(seconds=1))
    client.cookies["access_token"] = str(expired)
    response = fetch_json(client, "POST", "/api/crm/fans", FAN)
    assert response.status_code == 201
    renewed = AccessToken(response.cookies["access_token"].value)
    assert renewed["creator_id"] == creator.pk and renewed["ver"] == 0
    # A cookie the browser already dropped (its max-age is the token's lifetime): renewed too.
    del client.cookies["access_token"]
    response = client.get("/api/crm/fans")
    assert response.status_code == 200 and response.cookies["access_token"].value
    # Renewal keeps the same-site rule.
    del client.cookies["access_token"]
    refused = fetch_json(client, "POST", "/api/crm/fans", {**FAN, "platform_id": "x"}, HTTP_ORIGIN="https://evil.example")
    assert refused.status_code == 403


def test_no_renewal_without_a_page_session(creator):
    """A session from elsewhere (no page sign-in) keeps needing its CSRF token; an expired cookie
    without any session is a 401."""
    client = Client()
    client.force_login(creator.user)
    expired = AccessToken.for_user(creator.user)
    expired.set_exp(lifetime=-timedelta(seconds=1))
    client.cookies["access_token"] = str(expired)
    assert client.get("/api/crm/fans").status_code == 401
    anonymous = Client()
    anonymous.cookies["access_token"] = str(expired)
    assert anonymous.get("/api/crm/fans").json() == {"error": "Not authenticated"}


def test_a_tampered_cookie_with_a_page_session_renews_from_the_session_not_the_cookie(creator):
    client, _ = page_sign_in(creator)
    other = CreatorFactory()
    forged = AccessToken.for_user(other.user)
    client.cookies["access_token"] = str(forged)[:-4] + "AAAA"
    response = client.get("/api/crm/fans")
    assert response.status_code == 200
    assert AccessToken(response.cookies["access_token"].value)["user_id"] == str(creator.user_id)


def test_the_page_logout_clears_the_cookies_and_blacklists_the_refresh_token(creator):
    client, login = page_sign_in(creator)
    refresh = login.cookies["refresh_token"].value
    response = client.post("/auth/logout")
    assert response.status_code == 302
    for name in ("access_token", "refresh_token", "auth_token"):
        assert response.cookies[name].value == "" and response.cookies[name]["max-age"] == 0
    assert BlacklistedToken.objects.filter(token__jti=RefreshToken(refresh, verify=False)["jti"]).exists()
    replay = Client()
    replay.cookies["refresh_token"] = refresh
    assert replay.post("/api/auth/refresh", content_type="application/json").status_code == 401
    assert client.get("/api/crm/fans").status_code == 401


def test_logout_blacklists_the_rotated_refresh_token_too(creator):
    client, _ = page_sign_in(creator)
    rotated = client.post("/api/auth/refresh", content_type="application/json")
    assert rotated.status_code == 200
    new_refresh = rotated.cookies["refresh_token"].value
    assert AccessToken(rotated.cookies["access_token"].value)["creator_id"] == creator.pk  # carried
    client.post("/auth/logout")
    replay = Client()
    replay.cookies["refresh_token"] = new_refresh
    assert replay.post("/api/auth/refresh", content_type="application/json").status_code == 401


def test_a_token_acting_for_another_creator_is_refused(creator):
    other = CreatorFactory()
    token = jwt.access_token_for(creator.user, claims={"creator_id": other.pk})
    client = Client()
    client.cookies["access_token"] = str(token)
    assert client.get("/api/crm/fans").json() == {"error": "Forbidden"}
    own = jwt.access_token_for(creator.user, claims={"creator_id": creator.pk})
    client.cookies["access_token"] = str(own)
    assert client.get("/api/crm/fans").status_code == 200
