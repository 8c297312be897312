"""The OpenAPI 3 schema at /api/schema/ and the Swagger UI at /api/docs/ (no internet needed)."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.urls import get_resolver
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db

SEED_000_OPERATIONS = {
    "/api/auth/login": {"post"},
    "/api/auth/refresh": {"post"},
    "/api/auth/logout": {"post"},
    "/api/auth/token": {"post"},
    "/api/crm/fans": {"get", "post"},
    "/api/crm/fans/{fan_id}": {"get", "patch", "delete"},
    "/api/crm/conversations": {"get", "post"},
    "/api/crm/conversations/{conversation_id}": {"get", "patch"},
    "/api/crm/conversations/{conversation_id}/messages": {"get", "post"},
    "/api/crm/transactions": {"get", "post"},
}


@pytest.fixture
def schema(anon_client):
    response = anon_client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_schema_describes_the_seed_000_surface(schema):
    assert schema["openapi"].startswith("3.")
    for path, methods in SEED_000_OPERATIONS.items():
        assert methods <= set(schema["paths"][path]), path
    create = schema["paths"]["/api/crm/fans"]["post"]
    assert set(create["responses"]) >= {"201", "400", "401", "409", "429"}
    listing = schema["paths"]["/api/crm/fans"]["get"]
    assert {"limit", "cursor", "ordering", "platform", "tag", "q"} <= {p["name"] for p in listing["parameters"]}
    schemes = schema["components"]["securitySchemes"]
    assert schemes["jwtCookie"] == {"type": "apiKey", "in": "cookie", "name": "access_token"}
    assert schemes["jwtBearer"]["scheme"] == "bearer"


def test_schema_includes_every_api_route_of_both_surfaces(schema):
    """Whatever /api/v1 (seed 002) and the other /api routes exist, they are in the schema."""
    documented = {re.sub(r"\{[^}]+\}", "{}", p) for p in schema["paths"]}
    routes = set()

    def collect(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if hasattr(pattern, "url_patterns"):
                collect(pattern.url_patterns, route)
            elif route.startswith("api/") and not route.startswith(("api/schema", "api/docs")):
                routes.add("/" + re.sub(r"<[^>]+>", "{}", route).rstrip("$").lstrip("^"))

    collect(get_resolver().url_patterns)
    assert routes and routes <= documented, routes - documented


def test_whole_schema_is_valid_openapi(tmp_path):
    call_command("spectacular", "--validate", "--file", str(tmp_path / "schema.yaml"))


def test_whole_project_generates_without_warnings(tmp_path):
    """Every surface's annotations are complete: no guessed serializer, no operationId collision
    (what `check --deploy` reports as drf_spectacular.W001/W002)."""
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


def test_generator_reports_no_warnings_or_errors():
    # The same generation the system check runs, with the messages shown when it fails.
    SchemaGenerator().get_schema(request=None, public=True)
    assert not GENERATOR_STATS._warn_cache, list(GENERATOR_STATS._warn_cache)
    assert not GENERATOR_STATS._error_cache, list(GENERATOR_STATS._error_cache)


def test_operation_ids_are_unique_and_every_operation_is_tagged(schema):
    operations = [op for methods in schema["paths"].values() for op in methods.values()]
    ids = [op["operationId"] for op in operations]
    assert len(ids) == len(set(ids))
    assert all(op.get("tags") for op in operations)


def test_schema_lists_both_surfaces(schema):
    for path in (
        "/api/crm/fans",
        "/api/v1/clients",
        "/api/v1/screening/{interaction_id}",
        "/api/contact/submit",
    ):
        assert path in schema["paths"], path


def test_docs_ui_is_served_from_the_sidecar(anon_client):
    response = anon_client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any("swagger-ui-bundle.js" in a for a in assets)
    # The split view: the init script is this same URL's `?script`, never inline (CSP).
    init = "/api/docs/?script="
    assert init in assets and "<script>" not in html
    for asset in set(assets) - {init}:
        assert asset.startswith("/static/drf_spectacular_sidecar/"), asset  # nothing from a CDN
        assert finders.find(asset.removeprefix("/static/")), asset
    script = anon_client.get(init)
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in script.content.decode()


def test_seed_000_outputs_render_exactly_their_declared_fields(creator):
    """The seed-000 outputs build their dicts directly (a page holds up to 1000 rows, rendered in
    about 23 ms against 37 ms field by field: docs/PERFORMANCE.md); the declared fields they
    document must be exactly the keys they render, in order."""
    from crm import services
    from crm.api.jwt import serializers as s
    from tests.factories import ConversationFactory, FanFactory, TransactionFactory

    conversation = ConversationFactory(fan=FanFactory(creator=creator))
    message = services.message_add(conversation=conversation, direction="in", text="hi")
    rows = {
        s.FanSerializer: conversation.fan,
        s.ConversationSerializer: conversation,
        s.MessageSerializer: message,
        s.TransactionSerializer: TransactionFactory(fan=conversation.fan),
    }
    for serializer_class, row in rows.items():
        serializer = serializer_class(row, context={"user_id": creator.user_id})
        assert list(serializer.data) == list(serializer.fields), serializer_class.__name__
