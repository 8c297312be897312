"""What the suites of every surface share: authenticated clients, JSON requests and assertions
that show what came back when they fail (NetBox's assertHttpStatus).

    client = crm_client_for(creator.user)          # seed 000: the `access_token` cookie
    client = v1_client_for(api_key.raw_key)        # seed 002: `Authorization: Bearer pk_...`
    client = page_client_for(creator.user)         # the pages: a logged-in session
    data = assert_status(send_json(client, "post", "/api/crm/fans", {...}), 201)
    assert_crm_error(response, 400, "Invalid name"); assert_v1_error(response, 404, "Client not found")
"""

import json

import pytest
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

# --- Clients -----------------------------------------------------------------------------------


def jwt_for(user) -> str:
    return str(RefreshToken.for_user(user).access_token)


def crm_client_for(user, *, creator=None) -> APIClient:
    """A seed-000 client authenticated with the `access_token` cookie, as the seed's browser is."""
    client = APIClient()
    client.cookies["access_token"] = jwt_for(user)
    client.creator = creator
    return client


def cookie_client(user) -> Client:
    """`-H "Cookie: access_token=..."`, as the seed document's curl examples send it."""
    return Client(HTTP_COOKIE=f"access_token={jwt_for(user)}")


def v1_client_for(raw_key: str, *, creator=None) -> APIClient:
    """A seed-002 client with `Authorization: Bearer pk_...`."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    client.creator = creator
    return client


def page_client_for(user, *, creator=None) -> Client:
    """A logged-in browser session for the server-rendered pages or the admin."""
    client = Client()
    client.force_login(user)
    client.creator = creator
    client.user = user
    return client


def send_json(client, method: str, path: str, body, **extra):
    """A request with a JSON body (any JSON value, so non-objects can be sent too)."""
    return getattr(client, method.lower())(path, data=json.dumps(body), content_type="application/json", **extra)


# --- Assertions --------------------------------------------------------------------------------


def _shown(response) -> str:
    if getattr(response, "streaming", False):
        return "<stream>"
    return response.content.decode(errors="replace")[:3000]


def json_body(response):
    """The JSON body, or a failure that shows what came back."""
    try:
        return json.loads(response.content)
    except ValueError:
        pytest.fail(f"not JSON ({response.status_code}): {_shown(response)}")


def assert_status(response, expected: int):
    """Assert the status, printing the body on failure; returns the JSON body of a JSON answer."""
    assert response.status_code == expected, f"expected {expected}, got {response.status_code}:\n{_shown(response)}"
    if getattr(response, "streaming", False) or not response.content:
        return None
    if response.get("Content-Type", "").startswith("application/json"):
        return json_body(response)
    return None


def assert_crm_error(response, status: int, message: str) -> None:
    """A seed-000 error: `{"error": message}` with this status."""
    assert_status(response, status)
    assert response["Content-Type"].startswith("application/json")
    assert json_body(response) == {"error": message}


def assert_v1_error(response, status: int, message: str | None = None) -> dict:
    """A seed-002 error: `{"success": false, "error": ...}` with this status."""
    data = assert_status(response, status)
    assert data["success"] is False, data
    assert isinstance(data["error"], str) and data["error"], data
    if message is not None:
        assert data["error"] == message, data
    return data


def assert_login_redirect(response, path: str = "") -> None:
    """A page that needs a login sends the browser to /auth/login?next=..."""
    assert response.status_code == 302, response.status_code
    assert response["Location"].startswith("/auth/login?next="), response["Location"]


# --- The admin ---------------------------------------------------------------------------------


def admin_url(model, view: str = "changelist", *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


# The management forms of the fan's screening inlines (no inline rows changed).
INLINE_MANAGEMENT = {
    f"{prefix}-{name}": value
    for prefix in ("screening_methods", "screening_files")
    for name, value in (("TOTAL_FORMS", 0), ("INITIAL_FORMS", 0), ("MIN_NUM_FORMS", 0), ("MAX_NUM_FORMS", 1000))
}


def admin_fan_form(fan, **changes) -> dict:
    """The Fan admin's change form as the browser posts it back, with `changes`."""
    data = {
        "name": fan.name, "platform": fan.platform, "platform_id": fan.platform_id or "",
        "handle": fan.handle, "client_identifier": fan.client_identifier, "email": fan.email,
        "phone": fan.phone, "screening_status": fan.screening_status,
        "client_category": fan.client_category, "subscription_status": fan.subscription_status,
        "notes": fan.notes, "tags": [t.pk for t in fan.tags.all()],
    }
    data.update(INLINE_MANAGEMENT)
    data.update(changes)
    return data


def staff_login(client, user):
    """Log a staff user in as the admin requires: password and a verified second factor."""
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="Test phone", confirmed=True
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
