"""Behaviour that only the real server of `make run` shows (see tests/real_server.py)."""

import http.client
import json
import re
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest

pytestmark = pytest.mark.once  # one SQLite file behind runserver: no engine in question


def request(server, method: str, path: str, *, body: bytes | None = None, headers=None, connection=None):
    """One exchange; (status, headers, body). Reuses `connection` when given (keep-alive)."""
    conn = connection or http.client.HTTPConnection(server.host, server.port, timeout=30)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    if connection is None:
        conn.close()
    return response.status, response.headers, data


def cookies_of(headers) -> dict[str, str]:
    jar = SimpleCookie()
    for value in headers.get_all("Set-Cookie") or []:
        jar.load(value)
    return {name: morsel.value for name, morsel in jar.items()}


def api_login(server) -> dict[str, str]:
    status, headers, body = request(
        server, "POST", "/api/auth/login",
        body=json.dumps({"email": server.email, "password": server.password}).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert status == 200, body
    return cookies_of(headers)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/crm/fans", {"error": "Request body too large"}),
        ("/api/v1/clients", {"success": False, "error": "Request body too large"}),
    ],
)
def test_an_oversized_body_is_a_413_in_the_surface_format_and_the_connection_stays_usable(
    real_server, path, expected
):
    connection = http.client.HTTPConnection(real_server.host, real_server.port, timeout=30)
    try:
        body = b'{"name": "' + b"x" * 1_100_000 + b'"}'
        status, headers, data = request(
            real_server, "POST", path, body=body, headers={"Content-Type": "application/json"}, connection=connection
        )
        assert (status, headers["Content-Type"]) == (413, "application/json"), data[:300]
        assert json.loads(data) == expected
        # The unread body was discarded by the server: the next request on the connection works.
        status, _headers, data = request(real_server, "GET", path, connection=connection)
        assert status == 401, data[:300]
    finally:
        connection.close()


def test_a_bare_migrate_is_enough_to_sign_in_on_both_faces(real_server):
    """The fixture migrated a fresh database with `migrate` alone: logins use the cache table
    (rate-limit counters), which a migration now creates."""
    assert "access_token" in api_login(real_server)

    status, headers, page = request(real_server, "GET", "/auth/login")
    assert status == 200
    csrf_cookie = cookies_of(headers)["csrftoken"]
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
    form = urlencode({"csrfmiddlewaretoken": token, "username": real_server.email, "password": real_server.password})
    status, headers, body = request(
        real_server, "POST", "/auth/login", body=form.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf_cookie}"},
    )
    assert (status, headers["Location"]) == (302, "/"), body[:500]
    assert "sessionid" in cookies_of(headers)


def test_a_cookie_authenticated_delete_without_a_body_is_accepted(real_server):
    """runserver reports a request without Content-Type as `text/plain` (wsgiref's default); a
    DELETE carries no body, so its content type is not what tells a forged request apart."""
    cookies = api_login(real_server)
    cookie = f"access_token={cookies['access_token']}"
    status, _h, body = request(
        real_server, "POST", "/api/crm/fans",
        body=json.dumps({"name": "Del Ete", "platform": "fansly", "platform_id": "live-del-1"}).encode(),
        headers={"Content-Type": "application/json", "Cookie": cookie},
    )
    assert status == 201, body
    fan_id = json.loads(body)["fan"]["id"]
    status, _h, body = request(real_server, "DELETE", f"/api/crm/fans/{fan_id}", headers={"Cookie": cookie})
    assert status == 204, body
    # A cross-site page gets nowhere, body or not.
    status, _h, body = request(
        real_server, "DELETE", f"/api/crm/fans/{fan_id}",
        headers={"Cookie": cookie, "Origin": "https://evil.example"},
    )
    assert status == 403, body
