import pytest

from crm.models import ApiKey, PlatformAccount
from crm.selectors import api_key_active_by_raw
from tests.factories import (
    DEFAULT_PASSWORD,
    ApiKeyFactory,
    PlatformAccountFactory,
    SavedReplyFactory,
    WebhookEventFactory,
)
from tests.helpers import assert_login_redirect, assert_status

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/settings/"),
        ("post", "/settings/api-keys"),
        ("post", "/settings/api-keys/1/revoke"),
        ("post", "/settings/instagram"),
        ("post", "/settings/instagram/1/disconnect"),
        ("post", "/settings/password"),
    ],
)
def test_anonymous_is_sent_to_login(client, method, path):
    assert_login_redirect(getattr(client, method)(path, {"name": "k"}), path)
    assert not ApiKey.objects.exists()


def test_settings_page_shows_keys_callback_and_token(page_client, other_creator):
    ApiKeyFactory(creator=page_client.creator, name="Zapier")
    ApiKeyFactory(creator=other_creator, name="Not mine")
    response = page_client.get("/settings/")
    assert_status(response, 200)
    body = response.content.decode()
    assert "Zapier" in body and "Not mine" not in body
    assert "http://testserver/api/webhooks/instagram" in body and "test-verify-token" in body
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.parametrize("rows", [1, 30])
def test_settings_query_count_does_not_grow_with_rows(page_client, django_assert_num_queries, rows):
    for _ in range(rows):
        ApiKeyFactory(creator=page_client.creator)
        PlatformAccountFactory(creator=page_client.creator)
        mention(page_client.creator)
        SavedReplyFactory(creator=page_client.creator)
    # session, user, creator, instagram accounts, api keys, account activity, sessions,
    # two-factor state, recent sign-in activity, saved replies
    with django_assert_num_queries(SETTINGS_QUERIES):
        assert_status(page_client.get("/settings/"), 200)


SETTINGS_QUERIES = 13  # the nav badge's unread total, the saved replies, the header switcher's memberships and the chat's away message included


def mention(creator, text="love this", **kwargs):
    return WebhookEventFactory(
        creator=creator, event_type="mentions", status="processed", account_id="1784",
        payload={"field": "mentions", "value": {"comment_id": "c1", "media_id": "m1", "text": text}}, **kwargs,
    )


def test_settings_shows_the_accounts_recent_activity(page_client, other_creator):
    mention(page_client.creator, text="Tagged you in my story")
    mention(other_creator, text="Someone else's mention")
    body = page_client.get("/settings/").content.decode()
    assert "Tagged you in my story" in body and "Someone else" not in body


def test_create_key_is_shown_once_and_works(page_client):
    response = page_client.post("/settings/api-keys", {"name": "Zapier"})
    assert response.status_code == 302 and response["Location"] == "/settings/"
    first = page_client.get("/settings/").content.decode()
    api_key = ApiKey.objects.get(creator=page_client.creator)
    start = first.index('value="pk_') + len('value="')
    raw = first[start : first.index('"', start)]
    assert raw.startswith(api_key.prefix) and api_key_active_by_raw(raw) == api_key
    second = page_client.get("/settings/").content.decode()
    assert raw not in second and api_key.prefix in second
    # The raw key never travels in the messages cookie.
    assert raw not in str(response.cookies)


def test_create_key_without_name_is_a_field_error(page_client):
    response = page_client.post("/settings/api-keys", {"name": ""})
    assert_status(response, 400)
    assert "name" in response.context["key_form"].errors
    assert not ApiKey.objects.exists()


def test_revoke_key(page_client):
    api_key = ApiKeyFactory(creator=page_client.creator)
    assert page_client.post(f"/settings/api-keys/{api_key.pk}/revoke").status_code == 302
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None and api_key_active_by_raw(api_key.raw_key) is None


@pytest.mark.parametrize("key_id", ["theirs", "999999", "x"])
def test_revoke_another_creators_key_is_404(page_client, other_creator, key_id):
    api_key = ApiKeyFactory(creator=other_creator)
    path_id = api_key.pk if key_id == "theirs" else key_id
    assert page_client.post(f"/settings/api-keys/{path_id}/revoke").status_code == 404
    api_key.refresh_from_db()
    assert api_key.revoked_at is None


def test_revoke_needs_post(page_client):
    api_key = ApiKeyFactory(creator=page_client.creator)
    assert page_client.get(f"/settings/api-keys/{api_key.pk}/revoke").status_code == 405


def test_connect_instagram_account(page_client):
    response = page_client.post("/settings/instagram", {"external_account_id": "17841400000000001", "username": "me"})
    assert response.status_code == 302
    account = PlatformAccount.objects.get(creator=page_client.creator)
    assert account.platform == "instagram" and account.external_account_id == "17841400000000001"
    assert "17841400000000001" in page_client.get("/settings/").content.decode()


@pytest.mark.parametrize("value", ["", "abc", "1" * 33])
def test_connect_instagram_invalid_id(page_client, value):
    response = page_client.post("/settings/instagram", {"external_account_id": value})
    assert_status(response, 400)
    assert "external_account_id" in response.context["instagram_form"].errors
    assert not PlatformAccount.objects.exists()


def test_connect_account_of_another_creator_is_a_field_error(page_client, other_creator):
    PlatformAccountFactory(creator=other_creator, external_account_id="555")
    response = page_client.post("/settings/instagram", {"external_account_id": "555"})
    assert_status(response, 400)
    assert "connected to another creator" in str(response.context["instagram_form"].errors["external_account_id"])


def test_disconnect_own_account_but_not_anothers(page_client, other_creator):
    mine = PlatformAccountFactory(creator=page_client.creator)
    theirs = PlatformAccountFactory(creator=other_creator)
    assert page_client.post(f"/settings/instagram/{theirs.pk}/disconnect").status_code == 404
    assert page_client.post(f"/settings/instagram/{mine.pk}/disconnect").status_code == 302
    assert list(PlatformAccount.objects.all()) == [theirs]


def test_password_change_keeps_the_session(page_client):
    response = page_client.post(
        "/settings/password",
        {"old_password": DEFAULT_PASSWORD, "new_password1": "a-much-better-secret-42", "new_password2": "a-much-better-secret-42"},
    )
    assert response.status_code == 302
    page_client.creator.user.refresh_from_db()
    assert page_client.creator.user.check_password("a-much-better-secret-42")
    assert page_client.get("/settings/").status_code == 200  # still logged in


@pytest.mark.parametrize(
    "data, field",
    [
        ({"old_password": "wrong", "new_password1": "a-much-better-secret-42", "new_password2": "a-much-better-secret-42"}, "old_password"),
        ({"old_password": DEFAULT_PASSWORD, "new_password1": "a-much-better-secret-42", "new_password2": "different-secret-42"}, "new_password2"),
        ({"old_password": DEFAULT_PASSWORD, "new_password1": "123", "new_password2": "123"}, "new_password2"),
    ],
)
def test_password_change_invalid(page_client, data, field):
    response = page_client.post("/settings/password", data)
    assert_status(response, 400)
    assert field in response.context["password_form"].errors
    page_client.creator.user.refresh_from_db()
    assert page_client.creator.user.check_password(DEFAULT_PASSWORD)


def test_settings_page_does_not_jump_to_the_password_form(page_client):
    assert "autofocus" not in page_client.get("/settings/").content.decode()
