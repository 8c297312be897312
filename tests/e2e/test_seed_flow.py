"""Seed 000's "Example: Complete Flow", run verbatim from step 2 in a browser that signed in
through the app's own login page (step 1, "handled by your auth system")."""

import pytest

from crm.models import Conversation, Fan

from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.once]

# Copied verbatim from seeds/000_39da1b11e80c279d.txt, "Example: Complete Flow", steps 2 to 5.
COMPLETE_FLOW_FROM_STEP_2 = """
// 2. List existing fans
const fansResponse = await fetch('/api/crm/fans', {
  credentials: 'include' // Include cookies
});
const { fans } = await fansResponse.json();

// 3. Create a new fan
const createResponse = await fetch('/api/crm/fans', {
  method: 'POST',
  credentials: 'include',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({
    name: 'New Fan',
    platform: 'onlyfans',
    platform_id: 'of_new_123',
    tags: ['new']
  })
});
const { fan } = await createResponse.json();

// 4. Create conversation
const convResponse = await fetch('/api/crm/conversations', {
  method: 'POST',
  credentials: 'include',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({
    fanId: fan.id,
    platform: 'onlyfans'
  })
});
const { conversation } = await convResponse.json();

// 5. Get analytics
const analyticsResponse = await fetch('/api/analytics/overview', {
  credentials: 'include'
});
const analytics = await analyticsResponse.json();
"""

# What the flow leaves in its variables, for the test to read.
RESULTS = """
return {
  fansStatus: fansResponse.status, fans,
  createStatus: createResponse.status, fan,
  convStatus: convResponse.status, conversation,
  analyticsStatus: analyticsResponse.status, analytics,
};
"""


def run_flow(page) -> dict:
    return page.evaluate(f"async () => {{{COMPLETE_FLOW_FROM_STEP_2}{RESULTS}}}")


def test_the_documented_complete_flow_after_the_login_page(laptop, e2e_creator):
    page = laptop
    log_in(page)  # the app's own login form: it leaves the JWT cookies the flow relies on
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["access_token"]["httpOnly"] and cookies["refresh_token"]["path"] == "/api/auth/"
    assert page.evaluate("document.cookie").find("access_token") == -1  # not readable by scripts

    result = run_flow(page)
    assert result["fansStatus"] == 200 and result["fans"] == []
    assert result["createStatus"] == 201
    assert result["fan"]["name"] == "New Fan" and result["fan"]["tags"] == ["new"]
    assert result["convStatus"] == 201 and result["conversation"]["fan_id"] == result["fan"]["id"]
    assert result["analyticsStatus"] == 200 and set(result["analytics"]) >= {"metrics", "topFans", "revenueSeries"}
    fan = Fan.objects.get(creator=e2e_creator, platform_id="of_new_123")
    assert Conversation.objects.filter(fan=fan).count() == 1


def test_the_flow_keeps_working_after_the_access_cookie_ran_out(laptop, e2e_creator):
    page = laptop
    log_in(page)
    # The browser drops the access cookie when its 15 minutes are up; the session renews it.
    page.context.clear_cookies(name="access_token")
    result = run_flow(page)
    assert (result["fansStatus"], result["createStatus"], result["convStatus"], result["analyticsStatus"]) == (
        200, 201, 201, 200,
    )
    assert "access_token" in {c["name"] for c in page.context.cookies()}


def test_after_logout_the_flow_gets_401(laptop, e2e_creator):
    page = laptop
    log_in(page)
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/auth/login")
    status = page.evaluate("async () => (await fetch('/api/crm/fans', {credentials: 'include'})).status")
    assert status == 401
