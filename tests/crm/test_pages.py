"""Login, logout and the authenticated home page."""

import pytest
from django.test import Client

from crm.models import User
from tests.factories import DEFAULT_PASSWORD, CreatorFactory
from tests.helpers import staff_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    return CreatorFactory(slug="demo", user__username="demo", user__email="demo@example.com")


def test_login_page_renders_a_form_with_csrf(client):
    response = client.get("/auth/login")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<form" in body and 'name="username"' in body and 'name="password"' in body
    assert "csrfmiddlewaretoken" in body


@pytest.mark.parametrize("login", ["demo@example.com", "  DEMO@Example.com ", "demo"])
def test_creator_logs_in_by_email_or_username(demo, login):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/auth/login")
    response = client.post(
        "/auth/login",
        {"username": login, "password": DEFAULT_PASSWORD, "csrfmiddlewaretoken": page.context["csrf_token"]},
    )
    assert response.status_code == 302 and response.url == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "demo" in home.content.decode()
    assert home.context["user"] == demo.user


def test_login_without_csrf_token_is_refused(demo):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/auth/login", {"username": "demo@example.com", "password": DEFAULT_PASSWORD})
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("login", "password"),
    [("demo@example.com", "wrong-password"), ("nobody@example.com", DEFAULT_PASSWORD), ("", "")],
)
def test_wrong_credentials_show_an_error_and_do_not_log_in(client, demo, login, password):
    response = client.post("/auth/login", {"username": login, "password": password})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'role="alert"' in body or "field-error" in body
    assert "_auth_user_id" not in client.session


def test_inactive_user_cannot_log_in(client, demo):
    User.objects.filter(pk=demo.user_id).update(is_active=False)
    response = client.post("/auth/login", {"username": "demo@example.com", "password": DEFAULT_PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_login_follows_a_safe_next_and_ignores_an_offsite_one(client, demo):
    response = client.post(
        "/auth/login", {"username": "demo", "password": DEFAULT_PASSWORD, "next": "/admin/"}
    )
    assert response.url == "/admin/"
    client.logout()
    response = client.post(
        "/auth/login", {"username": "demo", "password": DEFAULT_PASSWORD, "next": "https://evil.example/"}
    )
    assert response.url == "/"


def test_home_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == "/auth/login?next=/"


def test_logged_in_user_visiting_login_goes_home(page_client):
    response = page_client.get("/auth/login")
    assert response.status_code == 302 and response.url == "/"


def test_logout_is_a_post_and_ends_the_session(page_client):
    assert page_client.get("/auth/logout").status_code == 405
    assert page_client.get("/").status_code == 200
    response = page_client.post("/auth/logout")
    assert response.status_code == 302 and response.url == "/auth/login"
    assert page_client.get("/").status_code == 302


def test_home_shows_a_logout_form_for_creators(page_client):
    body = page_client.get("/").content.decode()
    assert 'action="/auth/logout"' in body and page_client.creator.slug in body


def test_superuser_reaches_the_admin_and_a_creator_does_not(client, page_client):
    user = User.objects.create_superuser(username="admin", email="admin@example.com", password="admin12345")
    staff_login(client, user)
    assert client.get("/admin/").status_code == 200
    response = page_client.get("/admin/")
    assert response.status_code == 302 and response.url.startswith("/admin/login/")


def test_admin_login_page_accepts_the_email(client):
    User.objects.create_superuser(username="admin", email="admin@example.com", password="admin12345")
    assert client.get("/admin/login/").status_code == 200
    response = client.post("/admin/login/?next=/admin/", {"username": "admin@example.com", "password": "admin12345"})
    # The password was right; a staff login without a second factor sets one up next.
    assert response.status_code == 302 and response.url == "/auth/two-factor/setup"
