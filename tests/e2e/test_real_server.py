"""The browser against the real server of `make run` (tests/real_server.py), not the live server."""

import pytest

from tests.e2e.conftest import checked_page

pytestmark = [pytest.mark.e2e, pytest.mark.once]

FLOW = """async ([email, password]) => {
  const json = {'Content-Type': 'application/json'};
  const login = await fetch('/api/auth/login', {method: 'POST', credentials: 'include', headers: json,
                                                body: JSON.stringify({email, password})});
  const created = await fetch('/api/crm/fans', {method: 'POST', credentials: 'include', headers: json,
    body: JSON.stringify({name: 'Fetch Delete', platform: 'fansly', platform_id: 'browser-delete-1'})});
  const fan = (await created.json()).fan;
  const deleted = await fetch(`/api/crm/fans/${fan.id}`, {method: 'DELETE', credentials: 'include'});
  const after = await fetch(`/api/crm/fans/${fan.id}`, {credentials: 'include'});
  return [login.status, created.status, deleted.status, after.status];
}"""


def test_a_browser_fetch_delete_with_the_cookie_and_no_body_works(browser, real_server):
    pages = checked_page(browser, real_server.url)
    page = next(pages)
    page.goto("/auth/login")
    assert page.evaluate(FLOW, [real_server.email, real_server.password]) == [200, 201, 204, 404]
    next(pages, None)  # the fixture's checks: no server error, no CSP violation
