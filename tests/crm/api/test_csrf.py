"""Cookie-authenticated writes: the seed's browser example works, a cross-site form does not.

A browser attaches the `access_token` cookie to any request to our host, including a form
another site submits. Such a form can only send form-like bodies (urlencoded, multipart,
text/plain) without a CORS preflight, and modern browsers add a foreign `Origin` and
`Sec-Fetch-Site: cross-site`. Any of these refuses a cookie-authenticated write.
"""

import json

import pytest

from crm.models import Fan
from tests.helpers import assert_crm_error, assert_status

pytestmark = pytest.mark.django_db

FAN = {"name": "New Fan", "platform": "onlyfans", "platform_id": "of_new_123", "tags": ["new"]}


def test_seed_browser_example_works(crm_client):
    # fetch('/api/crm/fans', {method: 'POST', credentials: 'include',
    #   headers: {'Content-Type': 'application/json'}, body: JSON.stringify(...)}) from our own page
    response = crm_client.post(
        "/api/crm/fans",
        json.dumps(FAN),
        content_type="application/json",
        HTTP_ORIGIN="http://testserver",
        HTTP_SEC_FETCH_SITE="same-origin",
    )
    assert_status(response, 201)


@pytest.mark.parametrize(
    "content_type,body",
    [
        ("application/x-www-form-urlencoded", "name=Evil&platform=onlyfans&platform_id=evil"),
        ("text/plain", '{"name":"Evil","platform":"onlyfans","platform_id":"evil","x":"="}'),
        ("multipart/form-data; boundary=b", '--b\r\nContent-Disposition: form-data; name="name"\r\n\r\nEvil\r\n--b--\r\n'),
    ],
)
@pytest.mark.parametrize(
    "browser_headers",
    [
        {"HTTP_ORIGIN": "https://evil.example", "HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_ORIGIN": "https://evil.example"},
        {},  # an old browser that sends neither header: the body type alone refuses it
    ],
)
def test_cross_site_form_post_writes_nothing(crm_client, content_type, body, browser_headers):
    response = crm_client.post("/api/crm/fans", body, content_type=content_type, **browser_headers)
    assert_crm_error(response, 403, "Forbidden")
    assert not Fan.objects.exists()


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_ORIGIN": "null"},
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_ORIGIN": "https://testserver"},  # right host, wrong scheme
    ],
)
def test_cross_site_json_with_the_cookie_is_refused_too(crm_client, headers):
    response = crm_client.post("/api/crm/fans", json.dumps(FAN), content_type="application/json", **headers)
    assert_crm_error(response, 403, "Forbidden")
    assert not Fan.objects.exists()


def test_trusted_origin_is_allowed(crm_client, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://app.example"]
    response = crm_client.post("/api/crm/fans", json.dumps(FAN), content_type="application/json", HTTP_ORIGIN="https://app.example")
    assert_status(response, 201)


def test_cross_site_cookie_reads_are_not_blocked(crm_client):
    # Reads change nothing, and the browser never lets the other site read the answer.
    assert_status(crm_client.get("/api/crm/fans", HTTP_ORIGIN="https://evil.example"), 200)


def test_bearer_clients_are_not_subject_to_the_cookie_rules(creator):
    from rest_framework.test import APIClient

    from tests.helpers import jwt_for

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {jwt_for(creator.user)}")
    response = client.post("/api/crm/fans", json.dumps(FAN), content_type="application/json", HTTP_ORIGIN="https://tool.example")
    assert_status(response, 201)
    # A form body is still no JSON body.
    form = client.post("/api/crm/fans", "name=x", content_type="application/x-www-form-urlencoded")
    assert_crm_error(form, 415, "Unsupported media type")


def test_session_write_needs_the_csrf_token(creator):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(creator.user)
    assert_crm_error(client.post("/api/crm/fans", FAN, format="json"), 403, "Forbidden")
    assert not Fan.objects.exists()
