"""Every answer of the v1 surface is in its envelope: unknown routes, wrong methods, crashes."""

import pytest
from django.test import Client

from crm.api.v1 import views as v1_views
from tests.helpers import assert_v1_error

pytestmark = pytest.mark.django_db

UNKNOWN = [
    "/api/v1/nope",
    "/api/v1",
    "/api/v1/",
    "/api/v1/clients/1/extra",
    "/api/v1/clients/",
    "/api/contact/other",
    "/api/contact/submit/",
]


@pytest.mark.parametrize("path", UNKNOWN)
@pytest.mark.parametrize("debug", [False, True])
def test_unknown_routes_are_404_in_the_envelope(v1_client, settings, path, debug):
    settings.DEBUG = debug
    for method in ("get", "post", "delete"):
        assert_v1_error(getattr(v1_client, method)(path), 404, "Not found")


@pytest.mark.parametrize("debug", [False, True])
def test_unknown_routes_need_no_key_to_be_404(anon_client, settings, debug):
    settings.DEBUG = debug
    assert_v1_error(anon_client.get("/api/v1/unknown/thing"), 404, "Not found")


def test_pages_keep_html_404(settings):
    settings.DEBUG = False
    response = Client().get("/no-such-page")
    assert response.status_code == 404 and not response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    "path, method",
    [("/api/v1/clients", "delete"), ("/api/v1/messages", "put"), ("/api/v1/conversations", "patch")],
)
def test_wrong_method_is_405_in_the_envelope(v1_client, path, method):
    assert_v1_error(getattr(v1_client, method)(path, {}, format="json"), 405, "Method not allowed")


def test_unexpected_error_is_500_in_the_envelope(v1_client, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(v1_views.ClientListView, "get", explode)
    assert_v1_error(v1_client.get("/api/v1/clients"), 500, "Internal Server Error")


def test_invalid_content_length_is_400(v1_client):
    response = v1_client.generic(
        "POST", "/api/v1/clients", "{}", content_type="application/json", CONTENT_LENGTH="abc"
    )
    assert_v1_error(response, 400)


def test_unsupported_media_type_is_415(v1_client):
    response = v1_client.post("/api/v1/clients", data="<xml/>", content_type="application/xml")
    assert_v1_error(response, 415, "Unsupported media type")


@pytest.mark.parametrize("path", ["/api/v1/clients", "/api/contact/submit", "/api/v1/auth/generate-key"])
def test_options_answers_in_the_envelope(v1_client, path):
    response = v1_client.options(path)
    data = response.json()
    assert response.status_code == 200 and data["success"] is True and "name" in data["data"]
    assert "GET" in response["Allow"] or "POST" in response["Allow"]


def test_not_acceptable_is_406_in_the_envelope(v1_client):
    assert_v1_error(v1_client.get("/api/v1/clients", HTTP_ACCEPT="application/xml"), 406, "Not acceptable")


def test_unknown_format_suffix_is_404_in_the_envelope(v1_client):
    # DRF's content negotiation raises Django's Http404 for a `format` it has no renderer for.
    assert_v1_error(v1_client.get("/api/v1/clients?format=xml"), 404, "Not found")
