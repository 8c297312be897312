"""Password reset by email: one answer for every address, single-use expiring links, and every
session and token of the account ends with the new password."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth.tokens import PasswordResetTokenGenerator, default_token_generator
from django.core import mail
from django.test import Client

from config.settings.base import mailer
from crm.choices import AuthEventKind
from crm.models import AuthEvent
from tests.factories import DEFAULT_PASSWORD, CreatorFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-much-longer-passphrase-2026"
LINK = re.compile(r"http://testserver(/auth/reset/[^/\s]+/[^/\s]+)")


def ask(client, email):
    return client.post("/auth/password-reset", {"email": email})


def link_in(message) -> str:
    return LINK.search(message.body).group(1)


def test_the_answer_is_the_same_whether_the_address_has_an_account(db):
    user = CreatorFactory().user
    known, unknown = ask(Client(), user.email.upper()), ask(Client(), "nobody@example.com")
    assert (known.status_code, known.url) == (unknown.status_code, unknown.url) == (302, "/auth/password-reset/sent")
    page = Client().get("/auth/password-reset/sent").content.decode()
    assert "If an account uses that address" in page
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [user.email]
    assert "/auth/reset/" in mail.outbox[0].body and DEFAULT_PASSWORD not in mail.outbox[0].body


def test_the_link_sets_a_new_password_and_ends_every_session_and_token(db):
    user = CreatorFactory().user
    browser = Client()
    browser.post("/auth/login", {"username": user.email, "password": DEFAULT_PASSWORD})
    tokens = Client().post("/api/auth/token", {"email": user.email, "password": DEFAULT_PASSWORD},
                           content_type="application/json").json()
    ask(Client(), user.email)
    client = Client()
    response = client.get(link_in(mail.outbox[0]))
    assert response.status_code == 302 and response.url.endswith("/set-password")  # token out of the URL
    form = client.get(response.url)
    assert form.status_code == 200 and "Choose a new password" in form.content.decode()
    done = client.post(response.url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done.url == "/auth/reset/done"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD) and user.token_version == 1
    assert browser.get("/fans/").status_code == 302
    assert Client().get("/api/crm/fans", HTTP_AUTHORIZATION=f"Bearer {tokens['access']}").status_code == 401
    assert Client().post("/api/auth/refresh", {"refresh": tokens["refresh"]},
                         content_type="application/json").status_code == 401
    assert AuthEvent.objects.filter(user=user, kind=AuthEventKind.PASSWORD_RESET).exists()
    assert Client().post("/auth/login", {"username": user.email, "password": NEW_PASSWORD}).status_code == 302


def test_a_used_link_is_refused(db):
    user = UserFactory()
    ask(Client(), user.email)
    path = link_in(mail.outbox[0])
    client = Client()
    set_password = client.get(path).url
    client.post(set_password, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    again = Client().get(path)
    assert again.status_code == 400 and "This link does not work" in again.content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert AuthEvent.objects.filter(kind=AuthEventKind.SIGN_IN_FAILED, surface="password_reset", user=user).exists()


def test_an_expired_link_is_refused(db, settings):
    user = UserFactory()
    ask(Client(), user.email)
    path = link_in(mail.outbox[0])
    later = default_token_generator._now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
    with mock.patch.object(PasswordResetTokenGenerator, "_now", return_value=later):
        response = Client().get(path)
    assert response.status_code == 400
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_a_forged_link_changes_nothing(db):
    user = UserFactory()
    response = Client().post("/auth/reset/MQ/set-password", {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 400
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD) and user.token_version == 0


def test_a_weak_new_password_is_a_form_error(db):
    user = UserFactory()
    ask(Client(), user.email)
    client = Client()
    set_password = client.get(link_in(mail.outbox[0])).url
    response = client.post(set_password, {"new_password1": "123", "new_password2": "123"})
    assert response.status_code == 400 and "too short" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_an_account_gets_few_mails_whoever_asks(db, settings):
    settings.PASSWORD_RESET_EMAIL_RATE_LIMIT = "3/1h"
    user = UserFactory()
    answers = {ask(Client(REMOTE_ADDR=f"203.0.113.{n}"), user.email).url for n in range(6)}
    assert answers == {"/auth/password-reset/sent"}  # nothing tells the sixth asker apart
    assert len(mail.outbox) == 3


def test_inactive_accounts_get_no_mail(db):
    user = UserFactory(is_active=False)
    assert ask(Client(), user.email).url == "/auth/password-reset/sent"
    assert mail.outbox == []


def test_a_malformed_address_is_a_form_error(db):
    response = ask(Client(), "not an address")
    assert response.status_code == 400 and mail.outbox == []


def test_the_login_page_links_to_the_reset(db):
    assert 'href="/auth/password-reset"' in Client().get("/auth/login").content.decode()


@pytest.mark.once
def test_email_url_becomes_a_smtp_mailer():
    import environ

    config = environ.Env.email_url_config("smtp+tls://crm:pa%40ss@smtp.example.com:587")
    assert mailer(config) == {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {"host": "smtp.example.com", "port": 587, "username": "crm", "password": "pa@ss",
                    "use_tls": True, "timeout": 10},
    }
    assert mailer(environ.Env.email_url_config("consolemail://")) == {
        "BACKEND": "django.core.mail.backends.console.EmailBackend", "OPTIONS": {},
    }
