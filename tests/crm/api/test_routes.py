"""Everything addressed to the seed-000 surface answers in its format, even with no view."""

import pytest

from tests.helpers import assert_crm_error

pytestmark = pytest.mark.django_db


def test_unknown_api_route_is_json_404(crm_client):
    assert_crm_error(crm_client.get("/api/crm/nothing-here"), 404, "Not found")


def test_wrong_method_is_json_405(crm_client):
    assert_crm_error(crm_client.put("/api/crm/fans", {}, format="json"), 405, "Method not allowed")


def test_oversized_body_is_refused_before_authentication(anon_client):
    response = anon_client.post("/api/crm/fans", "x" * 1_000_001, content_type="application/json")
    assert_crm_error(response, 413, "Request body too large")


def test_bad_authorization_header_is_401(creator):
    from rest_framework.test import APIClient

    for header in ("Bearer", "Bearer a b", "Basic dXNlcjpwYXNz", "Bearer pk_not_a_jwt"):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=header)
        assert_crm_error(client.get("/api/crm/fans"), 401, "Not authenticated")
