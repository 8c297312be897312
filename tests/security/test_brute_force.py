"""Every login form refuses a password guesser after its budget: the attempts are really sent.

Budgets (crm.security.guard): LOGIN_RATE_LIMIT per address for every attempt (shared by the login
page, the admin login, the two-factor step and /api/auth), the API-key endpoints' stricter
10 per 15 minutes, the password-reset forms' own LOGIN_RATE_LIMIT; LOGIN_ACCOUNT_RATE_LIMIT
failures per account from every address, which a browser or address that signed in before passes.
"""

import pytest
from django.core import mail
from django.test import Client

from crm.choices import AuthEventKind, SignInSurface
from crm.models import AuthEvent
from crm.security import selectors
from tests.factories import DEFAULT_PASSWORD, CreatorFactory, UserFactory

pytestmark = pytest.mark.django_db

BUDGET = 5


@pytest.fixture(autouse=True)
def tight_budgets(settings):
    settings.LOGIN_RATE_LIMIT = f"{BUDGET}/5m"
    settings.LOGIN_ACCOUNT_RATE_LIMIT = "50/1h"


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True, is_superuser=True, email="boss@example.com")


def page_login(client, login, password):
    return client.post("/auth/login", {"username": login, "password": password})


def admin_login(client, login, password):
    return client.post("/admin/login/?next=/admin/", {"username": login, "password": password})


def api_login(client, login, password):
    return client.post("/api/auth/login", {"email": login, "password": password}, content_type="application/json")


def api_token(client, login, password):
    return client.post("/api/auth/token", {"email": login, "password": password}, content_type="application/json")


FORMS = {"page": page_login, "admin": admin_login, "api": api_login, "api-token": api_token}


def signed_in(response) -> bool:
    return response.status_code in (200, 302) and "access_token" in response.cookies and response.cookies[
        "access_token"
    ].value != ""


def assert_refused(response, *, json_body=None):
    assert response.status_code == 429, response.content[:300]
    assert int(response["Retry-After"]) >= 1
    if json_body is not None:
        assert response.json() == json_body
    else:
        assert "Too many sign-in attempts. Try again in" in response.content.decode()
    assert "access_token" not in response.cookies and "sessionid" not in response.cookies


@pytest.mark.parametrize("form", ["page", "admin", "api", "api-token"])
def test_each_login_form_refuses_after_the_address_budget(form, staff):
    send = FORMS[form]
    client = Client(REMOTE_ADDR="198.51.100.20")
    for attempt in range(BUDGET):
        response = send(client, staff.email, f"guess-{attempt}")
        assert response.status_code in (200, 401), response.content[:200]
        assert not signed_in(response)
    # The next attempt is refused even with the right password, and nothing signs in.
    response = send(client, staff.email, DEFAULT_PASSWORD)
    if form.startswith("api"):
        assert_refused(response, json_body={"error": "Rate limit exceeded"})
    else:
        assert_refused(response)
    assert client.get("/fans/").status_code == 302
    surface = {"page": "page", "admin": "admin", "api": "api", "api-token": "api"}[form]
    assert AuthEvent.objects.filter(kind=AuthEventKind.SIGN_IN_FAILED, surface=surface).count() == BUDGET
    assert AuthEvent.objects.filter(kind=AuthEventKind.SIGN_IN_THROTTLED, surface=surface).count() == 1
    # Another address is not affected.
    other = Client(REMOTE_ADDR="198.51.100.99")
    response = send(other, staff.email, DEFAULT_PASSWORD)
    assert response.status_code in (200, 302), response.content[:200]


def test_the_address_budget_is_shared_by_every_password_form(staff):
    client = Client(REMOTE_ADDR="198.51.100.21")
    for send in (page_login, admin_login, api_login, api_token, page_login):
        assert send(client, staff.email, "wrong").status_code in (200, 401)
    assert_refused(admin_login(client, staff.email, DEFAULT_PASSWORD))
    assert_refused(api_login(client, staff.email, DEFAULT_PASSWORD), json_body={"error": "Rate limit exceeded"})


def test_a_flood_of_refusals_folds_into_one_counted_row(staff):
    client = Client(REMOTE_ADDR="198.51.100.22")
    for _ in range(BUDGET):
        page_login(client, staff.email, "wrong")
    for _ in range(20):
        assert page_login(client, staff.email, "wrong").status_code == 429
    throttled = AuthEvent.objects.get(kind=AuthEventKind.SIGN_IN_THROTTLED)
    assert throttled.count == 20 and throttled.address == "198.51.100.22"
    counts = selectors.sign_in_failure_counts()
    assert counts == {("sign_in_failed", "page"): BUDGET, ("sign_in_throttled", "page"): 20}


@pytest.mark.parametrize("endpoint", ["generate-key", "revoke-key"])
def test_key_endpoints_keep_their_stricter_budget(endpoint, settings):
    settings.LOGIN_RATE_LIMIT = "100/5m"  # the keys' 10 per 15 minutes applies whatever the login's
    creator = CreatorFactory(slug="keyed")
    client = Client(REMOTE_ADDR="198.51.100.23")
    for attempt in range(10):
        path = "/api/v1/auth/generate-key" if attempt % 2 else "/api/v1/auth/revoke-key"
        body = {"model_slug": "keyed", "password": f"guess-{attempt}"}
        assert client.post(path, body, content_type="application/json").status_code == 401
    response = client.post(
        f"/api/v1/auth/{endpoint}", {"model_slug": "keyed", "password": DEFAULT_PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    assert response.json() == {"success": False, "error": "Rate limit exceeded"}
    assert not creator.api_keys.exists()
    failed = AuthEvent.objects.filter(kind=AuthEventKind.SIGN_IN_FAILED, surface=SignInSurface.API_KEYS)
    assert failed.count() == 10 and {e.user_id for e in failed} == {creator.user_id}


def test_password_reset_refuses_after_the_address_budget(staff):
    client = Client(REMOTE_ADDR="198.51.100.24")
    for n in range(BUDGET):
        response = client.post("/auth/password-reset", {"email": f"guess{n}@example.com"})
        assert response.status_code == 302 and response.url == "/auth/password-reset/sent"
    response = client.post("/auth/password-reset", {"email": staff.email})
    assert_refused(response)
    assert mail.outbox == []
    assert AuthEvent.objects.filter(kind=AuthEventKind.SIGN_IN_THROTTLED, surface="password_reset").exists()


def test_reset_links_cannot_be_guessed_past_the_budget(staff):
    client = Client(REMOTE_ADDR="198.51.100.25")
    for n in range(BUDGET):
        assert client.get(f"/auth/reset/MQ/forged-token-{n}").status_code == 400
    assert_refused(client.get("/auth/reset/MQ/forged-token-last"))
    assert AuthEvent.objects.filter(kind=AuthEventKind.SIGN_IN_FAILED, surface="password_reset").count() == BUDGET


def test_the_two_factor_step_spends_the_address_budget(staff, settings):
    from tests.security.helpers import enrol, totp_code

    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp's own per-device delay aside
    device = enrol(staff)
    client = Client(REMOTE_ADDR="198.51.100.26")
    assert page_login(client, staff.email, DEFAULT_PASSWORD).url == "/auth/two-factor"
    for n in range(BUDGET - 1):
        assert client.post("/auth/two-factor", {"code": f"{n:06d}"}).status_code == 400
    response = client.post("/auth/two-factor", {"code": totp_code(device)})
    assert_refused(response)
    assert client.get("/fans/").status_code == 302
    assert AuthEvent.objects.filter(kind=AuthEventKind.SIGN_IN_FAILED, surface="two_factor").count() == BUDGET - 1


# --- Per account: a guesser rotating addresses --------------------------------------------------


@pytest.fixture
def account_budget(settings):
    settings.LOGIN_ACCOUNT_RATE_LIMIT = "4/1h"


def rotate_guesses(user, slug=None, count=4):
    """Wrong passwords for the account from `count` addresses, on every surface in turn."""
    for n in range(count):
        client = Client(REMOTE_ADDR=f"203.0.113.{n + 1}")
        kind = n % 4
        if kind == 0:
            page_login(client, user.email, "wrong")
        elif kind == 1:
            api_login(client, user.username, "wrong")
        elif kind == 2 and slug:
            client.post("/api/v1/auth/generate-key", {"model_slug": slug, "password": "wrong"},
                        content_type="application/json")
        else:
            admin_login(client, user.email, "wrong")


def test_rotating_addresses_stop_at_the_account_budget(account_budget):
    creator = CreatorFactory(slug="target")
    user = creator.user
    rotate_guesses(user, slug="target")
    assert AuthEvent.objects.filter(kind=AuthEventKind.SIGN_IN_FAILED, user=user).count() == 4
    # A new address is refused, right password or not, on every surface.
    stranger = Client(REMOTE_ADDR="203.0.113.200")
    assert_refused(page_login(stranger, user.email, DEFAULT_PASSWORD))
    assert_refused(api_login(stranger, user.email, DEFAULT_PASSWORD), json_body={"error": "Rate limit exceeded"})
    key = stranger.post("/api/v1/auth/generate-key", {"model_slug": "target", "password": DEFAULT_PASSWORD},
                        content_type="application/json")
    assert key.status_code == 429


def test_the_owner_still_gets_in_from_a_known_browser_or_address(account_budget):
    user = CreatorFactory().user
    # Before the attack: the owner signed in at home (address) and on a laptop (browser cookie).
    home = Client(REMOTE_ADDR="192.0.2.10")
    assert signed_in(page_login(home, user.email, DEFAULT_PASSWORD))
    laptop = Client(REMOTE_ADDR="192.0.2.11")
    assert signed_in(page_login(laptop, user.email, DEFAULT_PASSWORD))
    home.post("/auth/logout")
    laptop.post("/auth/logout")
    rotate_guesses(user)
    # The laptop moved to a café (new address) but is a known browser; home is a known address.
    laptop.defaults["REMOTE_ADDR"] = "192.0.2.99"
    assert signed_in(page_login(laptop, user.email, DEFAULT_PASSWORD))
    assert signed_in(page_login(Client(REMOTE_ADDR="192.0.2.10"), user.email, DEFAULT_PASSWORD))
    # A JSON client from the known address too.
    assert api_login(Client(REMOTE_ADDR="192.0.2.10"), user.email, DEFAULT_PASSWORD).status_code == 200
    # Still only the right password: a wrong one from a known place is a failure, not a pass.
    assert page_login(Client(REMOTE_ADDR="192.0.2.10"), user.email, "wrong").status_code == 200
    # The attacker's new addresses stay refused.
    assert page_login(Client(REMOTE_ADDR="203.0.113.201"), user.email, DEFAULT_PASSWORD).status_code == 429


def test_a_forged_device_cookie_is_no_pass(account_budget):
    user = CreatorFactory().user
    rotate_guesses(user)
    client = Client(REMOTE_ADDR="203.0.113.202")
    client.cookies["signin_device"] = str(user.pk)  # unsigned
    assert page_login(client, user.email, DEFAULT_PASSWORD).status_code == 429


def test_successful_sign_ins_never_use_the_account_budget(account_budget):
    user = CreatorFactory().user
    for n in range(8):
        assert signed_in(page_login(Client(REMOTE_ADDR=f"203.0.113.{100 + n}"), user.email, DEFAULT_PASSWORD))


def test_unknown_accounts_are_counted_by_the_name_typed(account_budget):
    for n in range(4):
        page_login(Client(REMOTE_ADDR=f"203.0.113.{50 + n}"), "Ghost@Example.com", "x")
    assert page_login(Client(REMOTE_ADDR="203.0.113.60"), "ghost@example.com", "x").status_code == 429
    assert set(AuthEvent.objects.filter(kind=AuthEventKind.SIGN_IN_FAILED).values_list("identifier", flat=True)) == {
        "Ghost@Example.com"
    }
