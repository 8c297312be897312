"""Two-factor sign-in: required for staff in the admin, optional for creators, recovery codes,
enrolment and removal recorded; forged and replayed codes refused and counted."""

import time

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from crm.choices import AuthEventKind
from crm.models import AuthEvent, RecoveryCode
from crm.security import two_factor
from tests.factories import DEFAULT_PASSWORD, CreatorFactory, UserFactory
from tests.helpers import staff_login
from tests.security.helpers import enrol, totp_code

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_device_delay(settings):
    # django-otp slows a device down after a wrong code (1 s, 2 s, ...); tests that type a wrong
    # code then the right one at once turn that off (test_wrong_codes_slow_the_device_down keeps it).
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


@pytest.fixture
def creator(db):
    return CreatorFactory()


def password_step(client, user, path="/auth/login"):
    return client.post(path, {"username": user.email, "password": DEFAULT_PASSWORD})


def test_a_creator_turns_it_on_from_the_settings_page(creator):
    client = Client()
    password_step(client, creator.user)
    settings_page = client.get("/settings/").content.decode()
    assert "Turn on two-factor sign-in" in settings_page
    setup = client.get("/auth/two-factor/setup")
    body = setup.content.decode()
    assert setup.status_code == 200 and "<svg" in body and 'id="totp-secret"' in body and "<script" not in body
    device = TOTPDevice.objects.get(user=creator.user, confirmed=False)
    assert client.post("/auth/two-factor/setup", {"code": "000000"}).status_code == 400
    response = client.post("/auth/two-factor/setup", {"code": totp_code(device)})
    assert response.status_code == 302 and response.url == "/auth/two-factor/recovery-codes"
    codes_page = client.get(response.url).content.decode()
    assert codes_page.count("<code>") == 10
    assert client.get("/auth/two-factor/recovery-codes").status_code == 302  # shown once
    device.refresh_from_db()
    assert device.confirmed and two_factor.enabled(creator.user)
    assert RecoveryCode.objects.filter(device__user=creator.user).count() == 10
    assert AuthEvent.objects.filter(user=creator.user, kind=AuthEventKind.TWO_FACTOR_ENABLED).count() == 1
    assert "10 recovery codes left" in client.get("/settings/").content.decode()


def test_signing_in_asks_for_the_code_and_refuses_forged_and_replayed_ones(creator):
    device = enrol(creator.user)
    client = Client()
    response = password_step(client, creator.user)
    assert response.status_code == 302 and response.url == "/auth/two-factor"
    assert "access_token" not in response.cookies
    assert client.get("/fans/").status_code == 302  # not signed in yet
    forged = client.post("/auth/two-factor", {"code": "123456"})
    assert forged.status_code == 400 and "not right" in forged.content.decode()
    code = totp_code(device, steps=1)
    signed = client.post("/auth/two-factor", {"code": code})
    assert signed.status_code == 302 and signed.url == "/" and signed.cookies["access_token"].value
    assert client.get("/fans/").status_code == 200
    # The same code again, in another sign-in: refused (it was used).
    replay = Client()
    password_step(replay, creator.user)
    assert replay.post("/auth/two-factor", {"code": code}).status_code == 400
    failed = AuthEvent.objects.filter(user=creator.user, kind=AuthEventKind.SIGN_IN_FAILED, surface="two_factor")
    assert failed.count() == 2


def test_a_recovery_code_signs_in_once(creator):
    device = enrol(creator.user)
    recovery = device.recovery_codes[0]
    client = Client()
    password_step(client, creator.user)
    response = client.post("/auth/two-factor", {"code": recovery.upper().replace("-", " ")})
    assert response.status_code == 302 and client.get("/fans/").status_code == 200
    assert RecoveryCode.objects.filter(device__user=creator.user).count() == 9
    assert AuthEvent.objects.filter(user=creator.user, kind=AuthEventKind.RECOVERY_CODE_USED).exists()
    again = Client()
    password_step(again, creator.user)
    assert again.post("/auth/two-factor", {"code": recovery}).status_code == 400


def test_wrong_codes_slow_the_device_down(creator, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 10
    device = enrol(creator.user)
    client = Client()
    password_step(client, creator.user)
    client.post("/auth/two-factor", {"code": "000000"})
    response = client.post("/auth/two-factor", {"code": totp_code(device, steps=1)})
    assert response.status_code == 400 and "Too many wrong codes" in response.content.decode()


def test_a_waiting_sign_in_expires(creator, settings):
    device = enrol(creator.user)
    client = Client()
    password_step(client, creator.user)
    session = client.session
    state = session[two_factor.PENDING_KEY]
    state["until"] = int(time.time()) - 1
    session[two_factor.PENDING_KEY] = state
    session.save()
    response = client.post("/auth/two-factor", {"code": totp_code(device, steps=1)})
    assert response.status_code == 302 and response.url == "/auth/login"
    assert client.get("/fans/").status_code == 302


def test_the_json_login_and_key_endpoints_ask_for_otp(creator):
    device = enrol(creator.user)

    def api(body):
        return Client().post("/api/auth/login", {"email": creator.user.email, "password": DEFAULT_PASSWORD, **body},
                             content_type="application/json")

    assert api({}).json() == {"error": "Two-factor code required"}
    assert api({"otp": "999999"}).json() == {"error": "Invalid two-factor code"}
    assert api({"otp": totp_code(device, steps=1)}).status_code == 200
    key = Client().post("/api/v1/auth/generate-key", {"model_slug": creator.slug, "password": DEFAULT_PASSWORD},
                        content_type="application/json")
    assert key.status_code == 401 and key.json() == {"success": False, "error": "Two-factor code required"}
    key = Client().post("/api/v1/auth/generate-key",
                        {"model_slug": creator.slug, "password": DEFAULT_PASSWORD, "otp": device.recovery_codes[1]},
                        content_type="application/json")
    assert key.status_code == 201
    assert AuthEvent.objects.filter(user=creator.user, kind=AuthEventKind.SIGN_IN_FAILED).count() == 1


def test_turning_it_off_needs_the_password_and_is_recorded(creator):
    enrol(creator.user)
    client = Client()
    staff_login(client, creator.user)
    wrong = client.post("/settings/two-factor/disable", {"password": "nope"})
    assert wrong.status_code == 400 and two_factor.enabled(creator.user)
    assert AuthEvent.objects.filter(user=creator.user, kind=AuthEventKind.SIGN_IN_FAILED, surface="settings").exists()
    response = client.post("/settings/two-factor/disable", {"password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert not two_factor.enabled(creator.user) and not RecoveryCode.objects.exists()
    assert AuthEvent.objects.filter(user=creator.user, kind=AuthEventKind.TWO_FACTOR_DISABLED).count() == 1


def test_new_recovery_codes_replace_the_old_ones(creator):
    device = enrol(creator.user)
    client = staff_login(Client(), creator.user)
    response = client.post("/settings/two-factor/recovery-codes", {"password": DEFAULT_PASSWORD})
    assert response.status_code == 302 and client.get(response.url).content.decode().count("<code>") == 10
    other = Client()
    password_step(other, creator.user)
    assert other.post("/auth/two-factor", {"code": device.recovery_codes[0]}).status_code == 400
    assert AuthEvent.objects.filter(user=creator.user, kind=AuthEventKind.RECOVERY_CODES_CREATED).exists()


# --- Staff in the admin ---------------------------------------------------------------------------


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True, is_superuser=True)


def test_staff_must_set_up_a_second_factor_before_the_admin(staff):
    client = Client()
    response = password_step(client, staff, "/admin/login/?next=/admin/")
    assert response.status_code == 302 and response.url == "/auth/two-factor/setup"
    assert client.get("/admin/").status_code == 302
    assert client.get("/auth/two-factor/setup").status_code == 200
    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    finished = client.post("/auth/two-factor/setup", {"code": totp_code(device)})
    assert finished.status_code == 302 and finished.url == "/auth/two-factor/recovery-codes"
    codes = client.get(finished.url).content.decode()
    assert 'href="/admin/"' in codes
    assert client.get("/admin/").status_code == 200


def test_staff_with_a_device_give_its_code_in_the_admin(staff):
    device = enrol(staff)
    client = Client()
    assert password_step(client, staff, "/admin/login/?next=/admin/crm/fan/").url == "/auth/two-factor"
    response = client.post("/auth/two-factor", {"code": totp_code(device, steps=1)})
    assert response.status_code == 302 and response.url == "/admin/crm/fan/"
    assert client.get("/admin/crm/fan/").status_code == 200


def test_a_password_only_staff_session_is_no_way_into_the_admin(staff):
    """Signed in through the pages without a second factor: the admin asks for it."""
    client = Client()
    client.force_login(staff)
    response = client.get("/admin/")
    assert response.status_code == 302 and response.url.startswith("/admin/login/")
    step = client.get(response.url)
    assert step.status_code == 302 and step.url.startswith("/auth/two-factor/setup?next=")
    enrol(staff)
    step = client.get(response.url)
    assert step.url.startswith("/auth/two-factor?next=")
    device = TOTPDevice.objects.get(user=staff)
    verified = client.post(step.url, {"code": totp_code(device, steps=1), "next": "/admin/"})
    assert verified.status_code == 302 and verified.url == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_removing_a_device_in_the_admin_is_recorded(staff):
    member = UserFactory()
    device = enrol(member)
    admin = staff_login(Client(), staff)
    response = admin.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not two_factor.enabled(member)
    event = AuthEvent.objects.get(user=member, kind=AuthEventKind.TWO_FACTOR_DISABLED)
    assert event.surface == "admin"
    # The admin never shows the secret key.
    assert device.key not in admin.get("/admin/otp_totp/totpdevice/").content.decode()


def test_the_admin_lists_failed_sign_ins(staff):
    Client().post("/auth/login", {"username": "ghost@example.com", "password": "x"})
    page = staff_login(Client(), staff).get("/admin/crm/authevent/?kind=sign_in_failed").content.decode()
    assert "ghost@example.com" in page


def test_the_admin_logout_ends_the_sign_in_and_its_cookies(staff):
    device = enrol(staff)
    client = Client()
    password_step(client, staff, "/admin/login/?next=/admin/")
    login = client.post("/auth/two-factor", {"code": totp_code(device, steps=1)})
    refresh = login.cookies["refresh_token"].value
    response = client.post("/admin/logout/")
    assert response.status_code == 302 and response.url == "/admin/login/"
    assert response.cookies["access_token"].value == ""
    assert client.get("/admin/").status_code == 302
    replay = Client()
    replay.cookies["refresh_token"] = refresh
    assert replay.post("/api/auth/refresh", content_type="application/json").status_code == 401
