"""POST /api/auth/login, /refresh, /logout, /token."""

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers import assert_crm_error, assert_status

pytestmark = pytest.mark.django_db


def login(client, **body):
    return client.post("/api/auth/login", body, format="json")


def test_login_sets_http_only_cookies(anon_client, creator, settings):
    response = login(anon_client, email=creator.user.email.upper(), password=DEFAULT_PASSWORD)
    assert_status(response, 200)
    user = response.json()["user"]
    assert (user["id"], user["email"], user["creator"]["slug"]) == (creator.user_id, creator.user.email, creator.slug)
    access, refresh = response.cookies["access_token"], response.cookies["refresh_token"]
    assert access["httponly"] and refresh["httponly"]
    assert access["samesite"] == refresh["samesite"] == "Lax"
    assert refresh["path"] == "/api/auth/"
    assert not access["secure"]  # settings.JWT_COOKIE_SECURE is False under test
    # The cookie now authenticates the seed's requests.
    assert_status(anon_client.get("/api/crm/fans"), 200)
    assert "password" not in response.content.decode()


def test_login_cookies_are_secure_when_configured(anon_client, creator, settings):
    settings.JWT_COOKIE_SECURE = True
    response = login(anon_client, username=creator.user.username, password=DEFAULT_PASSWORD)
    assert response.cookies["access_token"]["secure"] and response.cookies["refresh_token"]["secure"]


@pytest.mark.parametrize(
    "body,status,message",
    [
        ({"email": "nobody@example.com", "password": "x"}, 401, "Invalid credentials"),
        ({"password": DEFAULT_PASSWORD}, 400, "email is required"),
        ({"email": "a@b.c"}, 400, "password is required"),
        ({"email": ["a"], "password": "x"}, 400, "Invalid email"),
        ({"email": "a@b.c", "password": 5}, 400, "Invalid password"),
    ],
)
def test_login_refusals(anon_client, creator, body, status, message):
    assert_crm_error(login(anon_client, **body), status, message)


def test_username_with_a_blank_email(anon_client, creator):
    response = login(anon_client, email="", username=creator.user.username, password=DEFAULT_PASSWORD)
    assert_status(response, 200)
    assert_crm_error(login(anon_client, email=None, username="", password="x"), 400, "email is required")


def test_wrong_password_and_inactive_user(anon_client, creator):
    assert_crm_error(login(anon_client, email=creator.user.email, password="wrong"), 401, "Invalid credentials")
    creator.user.is_active = False
    creator.user.save()
    assert_crm_error(login(anon_client, email=creator.user.email, password=DEFAULT_PASSWORD), 401, "Invalid credentials")


def test_login_malformed_and_form_bodies(anon_client):
    assert_crm_error(anon_client.post("/api/auth/login", "{", content_type="application/json"), 400, "Invalid JSON")
    form = anon_client.post("/api/auth/login", "email=a&password=b", content_type="application/x-www-form-urlencoded")
    assert_crm_error(form, 403, "Forbidden")  # a cross-site form must not log anybody in


def test_non_creator_can_log_in_but_gets_403_on_the_crm(anon_client):
    user = UserFactory()
    response = login(anon_client, email=user.email, password=DEFAULT_PASSWORD)
    assert_status(response, 200)
    assert response.json()["user"]["creator"] is None
    assert_crm_error(anon_client.get("/api/crm/fans"), 403, "Forbidden")


def test_login_is_limited_per_address(anon_client, creator, settings):
    settings.LOGIN_RATE_LIMIT = "3/5m"
    for _ in range(3):
        assert_status(login(anon_client, email="x@example.com", password="bad"), 401)
    response = login(anon_client, email=creator.user.email, password=DEFAULT_PASSWORD)
    assert_crm_error(response, 429, "Rate limit exceeded")
    assert int(response["Retry-After"]) >= 1
    # Another address still gets in.
    other = APIClient(REMOTE_ADDR="10.0.0.9")
    assert_status(login(other, email=creator.user.email, password=DEFAULT_PASSWORD), 200)


def test_login_failures_are_limited_per_account(creator, settings):
    settings.LOGIN_ACCOUNT_RATE_LIMIT = "3/5m"
    for i in range(3):
        client = APIClient(REMOTE_ADDR=f"10.0.1.{i}")
        assert_status(login(client, email=creator.user.email, password="bad"), 401)
    # The account is now locked for this window from every address, even with the password...
    client = APIClient(REMOTE_ADDR="10.0.2.1")
    assert_crm_error(login(client, email=creator.user.email, password=DEFAULT_PASSWORD), 429, "Rate limit exceeded")
    # ...while successful logins never count against an account.
    settings.LOGIN_RATE_LIMIT = "3/5m"
    user = UserFactory()
    for i in range(5):
        client = APIClient(REMOTE_ADDR=f"10.0.3.{i}")
        assert_status(login(client, email=user.email, password=DEFAULT_PASSWORD), 200)


def test_token_endpoint_for_bearer_clients(anon_client, creator):
    response = anon_client.post("/api/auth/token", {"username": creator.user.username, "password": DEFAULT_PASSWORD}, format="json")
    assert_status(response, 200)
    tokens = response.json()
    assert set(tokens) == {"access", "refresh"} and not response.cookies
    bearer = APIClient()
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert_status(bearer.get("/api/crm/fans"), 200)
    # Bearer clients refresh with the token in the body.
    rotated = anon_client.post("/api/auth/refresh", {"refresh": tokens["refresh"]}, format="json")
    assert_status(rotated, 200)
    assert set(rotated.json()) == {"access", "refresh"}
    reused = anon_client.post("/api/auth/refresh", {"refresh": tokens["refresh"]}, format="json")
    assert_crm_error(reused, 401, "Not authenticated")
    assert_crm_error(anon_client.post("/api/auth/token", {"email": creator.user.email, "password": "no"}, format="json"), 401, "Invalid credentials")


def test_refresh_rotates_the_cookie_and_blacklists_the_old_one(anon_client, creator):
    login(anon_client, email=creator.user.email, password=DEFAULT_PASSWORD)
    old_refresh = anon_client.cookies["refresh_token"].value
    response = anon_client.post("/api/auth/refresh", content_type="application/json")
    assert_status(response, 200)
    assert response.json() == {"success": True}
    new_refresh = response.cookies["refresh_token"].value
    assert new_refresh != old_refresh and response.cookies["access_token"].value
    assert_status(anon_client.get("/api/crm/fans"), 200)
    replay = APIClient()
    replay.cookies["refresh_token"] = old_refresh
    assert_crm_error(replay.post("/api/auth/refresh"), 401, "Not authenticated")


def test_a_refresh_token_without_an_outstanding_row_is_still_used_once(anon_client, creator):
    """flushexpiredtokens or a restore may have dropped the row: blacklisting records it again."""
    token = str(RefreshToken.for_user(creator.user))
    OutstandingToken.objects.all().delete()
    assert_status(anon_client.post("/api/auth/refresh", {"refresh": token}, format="json"), 200)
    assert BlacklistedToken.objects.get().token.user == creator.user
    assert_crm_error(anon_client.post("/api/auth/refresh", {"refresh": token}, format="json"), 401, "Not authenticated")


@pytest.mark.parametrize("refresh", [None, "garbage", "a.b.c"])
def test_refresh_without_a_valid_token(anon_client, refresh):
    if refresh:
        anon_client.cookies["refresh_token"] = refresh
    assert_crm_error(anon_client.post("/api/auth/refresh"), 401, "Not authenticated")


def test_refresh_of_a_deleted_or_inactive_user(anon_client, db):
    user = UserFactory()
    anon_client.cookies["refresh_token"] = str(RefreshToken.for_user(user))
    user.is_active = False
    user.save()
    assert_crm_error(anon_client.post("/api/auth/refresh"), 401, "Not authenticated")
    gone = UserFactory()
    token = str(RefreshToken.for_user(gone))
    gone.delete()
    assert_crm_error(anon_client.post("/api/auth/refresh", {"refresh": token}, format="json"), 401, "Not authenticated")
    assert_crm_error(anon_client.post("/api/auth/refresh", {"refresh": 5}, format="json"), 401, "Not authenticated")


def test_logout_blacklists_and_clears(anon_client, creator):
    login(anon_client, email=creator.user.email, password=DEFAULT_PASSWORD)
    refresh = anon_client.cookies["refresh_token"].value
    anon_client.cookies["auth_token"] = "legacy"
    response = anon_client.post("/api/auth/logout")
    assert_status(response, 204)
    for name in ("access_token", "refresh_token", "auth_token"):
        assert response.cookies[name].value == "" and response.cookies[name]["max-age"] == 0
    replay = APIClient()
    replay.cookies["refresh_token"] = refresh
    assert_crm_error(replay.post("/api/auth/refresh"), 401, "Not authenticated")
    # Logging out twice, or without any token, is fine.
    assert_status(APIClient().post("/api/auth/logout"), 204)


def test_logout_ends_a_session_too(creator):
    client = APIClient()
    client.force_login(creator.user)
    assert_status(client.get("/api/crm/fans"), 200)
    assert_status(client.post("/api/auth/logout"), 204)
    assert_crm_error(client.get("/api/crm/fans"), 401, "Not authenticated")
