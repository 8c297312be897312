"""Cookie-authenticated writes: the seed's browser example works, a cross-site form does not.

A browser attaches the `access_token` cookie to any request to our host, including a form
another site submits. Such a form can only send form-like bodies (urlencoded, multipart,
text/plain) without a CORS preflight, and modern browsers add a foreign `Origin` and
`Sec-Fetch-Site: cross-site`. Any of these refuses a cookie-authenticated write.
"""

import json

import pytest

from crm.models import Fan
from tests.factories import FanFactory
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


# --- Writes without a body (DELETE from fetch; runserver reports no Content-Type as text/plain) ---


def test_a_delete_without_a_body_is_not_judged_by_its_content_type(crm_client, creator):
    fan = FanFactory(creator=creator)
    # fetch(url, {method: 'DELETE', credentials: 'include'}) as runserver hands it to Django.
    response = crm_client.delete(f"/api/crm/fans/{fan.pk}", content_type="text/plain", HTTP_SEC_FETCH_SITE="same-origin")
    assert_status(response, 204)
    assert not Fan.objects.exists()


@pytest.mark.parametrize(
    "headers",
    [{"HTTP_ORIGIN": "https://evil.example"}, {"HTTP_SEC_FETCH_SITE": "cross-site"}, {"HTTP_ORIGIN": "null"}],
)
def test_a_cross_site_delete_without_a_body_is_still_refused(crm_client, creator, headers):
    fan = FanFactory(creator=creator)
    response = crm_client.delete(f"/api/crm/fans/{fan.pk}", content_type="text/plain", **headers)
    assert_crm_error(response, 403, "Forbidden")
    assert Fan.objects.filter(pk=fan.pk).exists()


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data"])
def test_an_empty_post_is_still_judged_by_its_content_type(crm_client, content_type):
    # A cross-site <form method=post> with no fields sends an empty body of a form type.
    response = crm_client.post("/api/crm/fans", b"", content_type=content_type)
    assert_crm_error(response, 403, "Forbidden")


def test_a_form_body_on_a_patch_is_still_refused(crm_client, creator):
    fan = FanFactory(creator=creator, name="Kept")
    response = crm_client.patch(f"/api/crm/fans/{fan.pk}", "name=Changed", content_type="application/x-www-form-urlencoded")
    assert_crm_error(response, 403, "Forbidden")
    fan.refresh_from_db()
    assert fan.name == "Kept"
