"""The Content-Security-Policy holds in a real browser: the shared page fixture fails a test on
any `securitypolicyviolation`, so every e2e flow checks it; these visit what the flows do not."""

import pytest
from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.e2e.conftest import checked_page, log_in
from tests.factories import DEFAULT_PASSWORD, FanFactory
from tests.security.helpers import totp_code
from webhooks.models import WebhookEvent

pytestmark = [pytest.mark.e2e, pytest.mark.once]


def test_the_swagger_ui_renders_every_operation_under_the_policy(laptop):
    laptop.goto("/api/docs/")
    laptop.locator(".opblock").first.wait_for()
    assert laptop.locator(".opblock").count() > 30
    assert laptop.get_by_text("/api/crm/fans", exact=True).first.is_visible()


def test_a_violation_fails_the_test(browser, live_server, _no_media_route):
    """The fixture itself: an inline handler is blocked, reported, and fails the check."""
    pages = checked_page(browser, live_server.url)
    page = next(pages)
    page.goto("/auth/login")
    page.evaluate("""document.body.insertAdjacentHTML('beforeend', '<img src="x" onerror="1">')""")
    with pytest.raises(AssertionError, match="CSP: script-src-attr blocked inline"):
        next(pages, None)


def test_the_admin_fan_and_webhook_pages_run_under_the_policy(laptop, e2e_creator):
    staff = get_user_model().objects.create_superuser(
        username="staff", email="staff@example.com", password=DEFAULT_PASSWORD
    )
    device = TOTPDevice.objects.create(user=staff, name="Phone", confirmed=True)  # the admin asks for it
    fan = FanFactory(creator=e2e_creator, email="fan@example.com", notes="private")
    event = WebhookEvent.objects.create(
        provider="instagram", event_type="comments", external_id="csp-1", account_id="1", payload={"value": {"text": "hi"}}
    )
    laptop.goto("/admin/login/")
    laptop.fill("#id_username", "staff@example.com")
    laptop.fill("#id_password", DEFAULT_PASSWORD)
    laptop.get_by_role("button", name="Log in").click()
    laptop.wait_for_url("**/auth/two-factor**")
    laptop.fill("#id_code", totp_code(device))
    laptop.locator("form button[type=submit]").click()
    laptop.wait_for_url("**/admin/")
    for path in ("/admin/", "/admin/crm/fan/", f"/admin/crm/fan/{fan.pk}/change/", "/admin/webhooks/webhookevent/",
                 f"/admin/webhooks/webhookevent/{event.pk}/change/"):
        laptop.goto(path)
        assert laptop.locator("#content").is_visible(), path
    # The payload's stylesheet replaced its inline style and still applies.
    assert laptop.locator("pre.webhook-payload").evaluate("e => getComputedStyle(e).whiteSpace") == "pre-wrap"


def test_the_creator_pages_run_under_the_policy(laptop, e2e_creator):
    fan = FanFactory(creator=e2e_creator)
    log_in(laptop)
    for path in ("/", "/dashboard/", "/fans/", f"/fans/{fan.pk}/", "/fans/new/", "/inbox/", "/settings/",
                 f"/c/{e2e_creator.slug}/"):
        laptop.goto(path)
        assert laptop.locator("main").is_visible(), path
