"""A password change or reset, and "log out everywhere", end every other session and token."""

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client
from rest_framework_simplejwt.tokens import RefreshToken

from core.api import jwt
from crm.choices import AuthEventKind
from crm.models import AuthEvent, User, UserSession
from tests.factories import DEFAULT_PASSWORD, ApiKeyFactory, CreatorFactory, FanFactory, UserSessionFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-much-longer-passphrase-2026"


def sign_in(user, address="192.0.2.1", agent="Browser A") -> Client:
    client = Client(REMOTE_ADDR=address, HTTP_USER_AGENT=agent)
    response = client.post("/auth/login", {"username": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302, response.content[:300]
    return client


def api_tokens(user) -> dict:
    response = Client().post("/api/auth/token", {"email": user.email, "password": DEFAULT_PASSWORD},
                             content_type="application/json")
    assert response.status_code == 200
    return response.json()


def bearer_get(access: str, path="/api/crm/fans"):
    return Client().get(path, HTTP_AUTHORIZATION=f"Bearer {access}")


def refresh_with(raw: str):
    return Client().post("/api/auth/refresh", {"refresh": raw}, content_type="application/json")


@pytest.fixture
def creator(db):
    return CreatorFactory()


def test_tokens_carry_the_version_and_a_new_user_starts_at_zero(creator):
    tokens = api_tokens(creator.user)
    assert RefreshToken(tokens["refresh"])["ver"] == 0 == creator.user.token_version
    assert bearer_get(tokens["access"]).status_code == 200


def test_a_password_change_on_the_settings_page_ends_every_other_session_and_token(creator):
    user = creator.user
    here, there = sign_in(user, agent="Here"), sign_in(user, "192.0.2.2", "There")
    tokens = api_tokens(user)
    response = here.post("/settings/password", {
        "old_password": DEFAULT_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD,
    })
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.token_version == 1
    # The other browser is signed out; the old API tokens no longer work, access or refresh.
    assert there.get("/fans/").status_code == 302
    assert there.get("/api/crm/fans").status_code == 401
    assert bearer_get(tokens["access"]).json() == {"error": "Not authenticated"}
    assert refresh_with(tokens["refresh"]).status_code == 401
    # This browser stays signed in, with new JWT cookies of the new version.
    assert here.get("/fans/").status_code == 200
    assert RefreshToken(response.cookies["refresh_token"].value)["ver"] == 1
    assert here.get("/api/crm/fans").status_code == 200
    assert [s.user_agent for s in UserSession.objects.filter(user=user)] == ["Here"]
    assert AuthEvent.objects.filter(user=user, kind=AuthEventKind.PASSWORD_CHANGED).count() == 1


def test_a_password_set_anywhere_else_counts_too(creator):
    """The admin's password form, `changepassword`, the shell: all call set_password."""
    user = creator.user
    browser = sign_in(user)
    tokens = api_tokens(user)
    user.set_password(NEW_PASSWORD)
    user.save(update_fields=["password"])  # token_version is saved with it
    user.refresh_from_db()
    assert user.token_version == 1
    assert bearer_get(tokens["access"]).status_code == 401
    assert refresh_with(tokens["refresh"]).status_code == 401
    assert browser.get("/fans/").status_code == 302
    assert browser.get("/api/crm/fans").status_code == 401


def test_a_password_hash_upgrade_is_not_a_change(creator, settings):
    user = creator.user
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    User.objects.filter(pk=user.pk).update(password=make_password(DEFAULT_PASSWORD, hasher="md5"))
    tokens = api_tokens(user)  # checking the password upgrades its hash
    user.refresh_from_db()
    assert user.password.startswith("pbkdf2_") and user.token_version == 0
    assert bearer_get(tokens["access"]).status_code == 200


def test_an_old_version_refresh_token_is_refused_even_unused(creator):
    tokens = api_tokens(creator.user)
    User.objects.filter(pk=creator.user_id).update(token_version=5)
    assert refresh_with(tokens["refresh"]).json() == {"error": "Not authenticated"}


def test_the_version_check_costs_no_query(creator, django_assert_num_queries):
    FanFactory(creator=creator)
    client = Client()
    client.cookies["access_token"] = api_tokens(creator.user)["access"]
    # user+creator (the version is on that row), fans page, tags: as before the check existed
    with django_assert_num_queries(3):
        assert client.get("/api/crm/fans").status_code == 200


def test_log_out_everywhere_ends_every_session_and_token_but_not_api_keys(creator):
    user = creator.user
    here, there = sign_in(user), sign_in(user, "192.0.2.2")
    tokens = api_tokens(user)
    api_key = ApiKeyFactory(creator=creator)
    page = here.get("/settings/").content.decode()
    assert "Log out everywhere" in page and "API keys keep working" in page
    response = here.post("/settings/sessions/end-all")
    assert response.status_code == 302 and response.url == "/auth/login"
    assert response.cookies["access_token"].value == "" and response.cookies["refresh_token"].value == ""
    for browser in (here, there):
        assert browser.get("/fans/").status_code == 302
        assert browser.get("/api/crm/fans").status_code == 401
    assert bearer_get(tokens["access"]).status_code == 401
    assert refresh_with(tokens["refresh"]).status_code == 401
    assert not UserSession.objects.filter(user=user).exists()
    assert AuthEvent.objects.filter(user=user, kind=AuthEventKind.SESSIONS_ENDED).exists()
    keyed = Client().get("/api/v1/clients", HTTP_AUTHORIZATION=f"Bearer {api_key.raw_key}")
    assert keyed.status_code == 200  # a separate credential, revoked on its own


def test_the_settings_page_lists_active_sessions_and_ends_one(creator):
    user = creator.user
    here = sign_in(user, "192.0.2.1", "Firefox on the laptop")
    there = sign_in(user, "192.0.2.2", "Safari on the phone")
    there_refresh = there.cookies["refresh_token"].value
    UserSessionFactory(user=user, user_agent="An ended one", auth_hash="stale")  # ended by a password change
    UserSessionFactory(user=CreatorFactory().user, user_agent="Somebody else's")
    page = here.get("/settings/").content.decode()
    assert "Firefox on the laptop" in page and "this browser" in page
    assert "Safari on the phone" in page and "192.0.2.2" in page
    assert "An ended one" not in page and "Somebody else" not in page
    other = UserSession.objects.get(user=user, user_agent="Safari on the phone")
    response = here.post(f"/settings/sessions/{other.session_key}/end")
    assert response.status_code == 302
    assert there.get("/fans/").status_code == 302
    assert refresh_with(there_refresh).status_code == 401  # its refresh token went with it
    assert here.get("/fans/").status_code == 200
    # Another user's session key is nobody's here.
    foreign = UserSession.objects.get(user_agent="Somebody else's")
    here.post(f"/settings/sessions/{foreign.session_key}/end")
    assert UserSession.objects.filter(pk=foreign.pk).exists()


def test_api_keys_are_listed_as_separate_credentials(creator):
    ApiKeyFactory(creator=creator, name="Zapier")
    page = sign_in(creator.user).get("/settings/").content.decode()
    assert "They are credentials of their own" in page and "Zapier" in page


def test_access_tokens_minted_without_the_claim_are_version_zero(creator):
    """Tokens issued before this change (no `ver`) keep working until the version moves."""
    raw = str(RefreshToken.for_user(creator.user).access_token)
    assert bearer_get(raw).status_code == 200
    User.objects.filter(pk=creator.user_id).update(token_version=1)
    assert bearer_get(raw).status_code == 401


def test_issue_tokens_writes_the_version_into_both_tokens(creator):
    User.objects.filter(pk=creator.user_id).update(token_version=3)
    creator.user.refresh_from_db()
    tokens = jwt.issue_tokens(creator.user)
    assert RefreshToken(tokens.refresh)["ver"] == 3
    assert bearer_get(tokens.access).status_code == 200


def test_an_unusable_password_ends_everything_too(creator):
    tokens = api_tokens(creator.user)
    creator.user.set_unusable_password()
    creator.user.save()
    assert bearer_get(tokens["access"]).status_code == 401
