"""The OpenAPI schema of the seed-002 surface describes what the views really answer.

Besides the documented operations, parameters and envelopes, real responses are checked
against the schema: each answer carries exactly the documented keys (the serializers that render
the answers also describe them, so this holds the envelopes and their declared fields together).
"""

import pytest

from tests.api_v1.test_contact import submission
from tests.factories import DEFAULT_PASSWORD, ScreeningFileFactory, ScreeningMethodFactory
from tests.helpers import assert_status

pytestmark = pytest.mark.django_db

SEED_002_OPERATIONS = {
    "/api/v1/auth/generate-key": {"post"},
    "/api/v1/auth/revoke-key": {"post"},
    "/api/v1/clients": {"get", "post"},
    "/api/v1/clients/{interaction_id}": {"get", "put"},
    "/api/v1/notes/{interaction_id}": {"get", "put", "delete"},
    "/api/v1/conversations": {"get", "post"},
    "/api/v1/conversations/{conversation_id}": {"get"},
    "/api/v1/conversations/{conversation_id}/archive": {"put"},
    "/api/v1/conversations/{conversation_id}/tags": {"put"},
    "/api/v1/conversations/{conversation_id}/read": {"put"},
    "/api/v1/messages": {"get", "post"},
    "/api/v1/messages/{message_id}": {"get"},
    "/api/v1/files": {"get"},
    "/api/v1/files/{message_id}": {"get"},
    "/api/v1/files/{message_id}/download": {"get"},
    "/api/v1/files/screening/{interaction_id}": {"get"},
    "/api/v1/screening/{interaction_id}": {"get"},
    "/api/v1/screening/{interaction_id}/methods": {"post"},
    "/api/v1/screening/{interaction_id}/methods/{method_id}": {"put"},
    "/api/v1/screening/{interaction_id}/files": {"post"},
    "/api/v1/screening/{interaction_id}/files/{file_id}": {"delete"},
    "/api/v1/screening/{interaction_id}/files/{file_id}/download": {"get"},
    "/api/contact/submit": {"post"},
}
PUBLIC = {"/api/v1/auth/generate-key", "/api/v1/auth/revoke-key", "/api/contact/submit"}


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        response = Client().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def resolve(schema, node: dict) -> dict:
    """Follow `$ref` (and a single-entry `allOf`) to the schema object."""
    while True:
        if "$ref" in node:
            node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
        elif len(node.get("allOf", [])) == 1:
            node = node["allOf"][0]
        else:
            return node


def response_schema(schema, path, method, status=200, media="application/json") -> dict:
    return resolve(
        schema, schema["paths"][path][method]["responses"][str(status)]["content"][media]["schema"]
    )


def parameters(schema, path, method) -> dict:
    return {p["name"]: p for p in schema["paths"][path][method].get("parameters", []) if p["in"] == "query"}


def test_every_seed_002_operation_is_documented_with_a_v1_tag(schema):
    for path, methods in SEED_002_OPERATIONS.items():
        assert methods == set(schema["paths"][path]) - {"options"}, path
        for method in methods:
            operation = schema["paths"][path][method]
            expected = "contact" if path.startswith("/api/contact") else "v1 "
            assert operation["tags"][0].startswith(expected), (path, method)


def test_api_key_security_except_on_the_public_endpoints(schema):
    assert schema["components"]["securitySchemes"]["apiKeyBearer"]["scheme"] == "bearer"
    for path, methods in SEED_002_OPERATIONS.items():
        for method in methods:
            security = schema["paths"][path][method]["security"]
            assert security == ([{}] if path in PUBLIC else [{"apiKeyBearer": []}]), (path, method)


def test_lists_document_page_limit_and_their_filters(schema):
    expected = {
        "/api/v1/clients": {"page", "limit", "search", "status"},
        "/api/v1/conversations": {"page", "limit", "status", "interaction_id", "assigned"},  # assigned: issue 17
        "/api/v1/messages": {"page", "limit", "conversation_id"},
        "/api/v1/files": {"page", "limit", "conversation_id"},
    }
    for path, names in expected.items():
        params = parameters(schema, path, "get")
        assert names == set(params), path
        listing = response_schema(schema, path, "get")
        assert set(listing["required"]) == {"success", "data", "pagination"}, path
        assert listing["properties"]["data"]["type"] == "array"
        pagination = resolve(schema, listing["properties"]["pagination"])
        assert set(pagination["properties"]) == {"page", "limit", "total", "pages"}
    assert parameters(schema, "/api/v1/messages", "get")["conversation_id"]["required"] is True
    statuses = parameters(schema, "/api/v1/clients", "get")["status"]["schema"]["enum"]
    assert set(statuses) == {"all", "screened", "unscreened", "subscriber"}


def test_errors_are_documented_in_the_v1_error_envelope(schema):
    error = response_schema(schema, "/api/v1/clients/{interaction_id}", "get", 404)
    assert set(error["required"]) == {"success", "error"}
    create = schema["paths"]["/api/v1/clients"]["post"]["responses"]
    assert {"200", "201", "400", "401", "413", "429"} <= set(create)
    rejected = response_schema(schema, "/api/contact/submit", "post", 400)
    assert {"success", "error", "details"} == set(rejected["properties"])


def test_error_descriptions_are_the_api_key_surfaces(schema):
    # Only the seed-000 cookie surface can refuse a cross-site write; an API key is no cookie.
    for path, methods in SEED_002_OPERATIONS.items():
        for method in methods:
            for status, response in schema["paths"][path][method]["responses"].items():
                assert "cookie" not in response["description"].lower(), (path, method, status)
    v1_403 = schema["paths"]["/api/v1/clients"]["get"]["responses"]["403"]["description"]
    assert v1_403 == "Forbidden (the key's account is not a creator)"
    assert "cross-site cookie write" in schema["paths"]["/api/crm/fans"]["get"]["responses"]["403"]["description"]


def test_uploads_are_multipart_files_and_downloads_are_binary(schema):
    for path in ("/api/v1/messages", "/api/v1/screening/{interaction_id}/files"):
        content = schema["paths"][path]["post"]["requestBody"]["content"]
        upload = resolve(schema, content["multipart/form-data"]["schema"])
        assert upload["properties"]["file"] == {
            **upload["properties"]["file"],
            "type": "string",
            "format": "binary",
        }
    for path in (
        "/api/v1/files/{message_id}/download",
        "/api/v1/screening/{interaction_id}/files/{file_id}/download",
    ):
        binary = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/octet-stream"][
            "schema"
        ]
        assert binary == {"type": "string", "format": "binary"}


# --- Real answers carry exactly the documented keys --------------------------------------------


def assert_documented(schema, path, method, status, payload):
    envelope = response_schema(schema, path, method, status)
    assert set(payload) == set(envelope["properties"]), path
    data_schema = envelope["properties"]["data"]
    data = payload["data"]
    if data_schema.get("type") == "array":
        assert data, f"{path}: an empty list proves nothing"
        data_schema, data = data_schema["items"], data[0]
    item = resolve(schema, data_schema)
    assert set(data) == set(item["properties"]), (path, set(data) ^ set(item["properties"]))
    for name, value in data.items():
        field = resolve(schema, item["properties"][name])
        if value is None:
            assert field.get("nullable") or item["properties"][name].get("nullable"), (path, name)


def test_real_answers_match_the_documented_shapes(schema, v1_client, world, creator):
    method = ScreeningMethodFactory(fan=world.fan)
    ScreeningFileFactory(fan=world.fan)
    ids = world.ids()
    reads = {
        ("/api/v1/clients", ""): "/api/v1/clients",
        ("/api/v1/clients/{interaction_id}", ""): f"/api/v1/clients/{ids['fan']}",
        ("/api/v1/notes/{interaction_id}", ""): f"/api/v1/notes/{ids['fan']}",
        ("/api/v1/conversations", ""): "/api/v1/conversations",
        ("/api/v1/conversations/{conversation_id}", ""): f"/api/v1/conversations/{ids['conversation']}",
        ("/api/v1/messages", ""): f"/api/v1/messages?conversation_id={ids['conversation']}",
        ("/api/v1/messages/{message_id}", ""): f"/api/v1/messages/{ids['file']}",
        ("/api/v1/files", ""): f"/api/v1/files?conversation_id={ids['conversation']}",
        ("/api/v1/files/{message_id}", ""): f"/api/v1/files/{ids['file']}",
        ("/api/v1/files/screening/{interaction_id}", ""): f"/api/v1/files/screening/{ids['fan']}",
        ("/api/v1/screening/{interaction_id}", ""): f"/api/v1/screening/{ids['fan']}",
    }
    for (path, _), url in reads.items():
        assert_documented(schema, path, "get", 200, assert_status(v1_client.get(url), 200))

    created = v1_client.post("/api/v1/clients", {"email": "new@example.com", "name": "New"}, format="json")
    assert_documented(schema, "/api/v1/clients", "post", 201, assert_status(created, 201))
    tagged = v1_client.put(
        f"/api/v1/conversations/{ids['conversation']}/tags", {"tags": ["vip"]}, format="json"
    )
    assert_documented(
        schema, "/api/v1/conversations/{conversation_id}/tags", "put", 200, assert_status(tagged, 200)
    )
    changed = v1_client.put(
        f"/api/v1/screening/{ids['fan']}/methods/{method.pk}", {"status": "completed"}, format="json"
    )
    assert_documented(
        schema,
        "/api/v1/screening/{interaction_id}/methods/{method_id}",
        "put",
        200,
        assert_status(changed, 200),
    )
    cleared = assert_status(v1_client.delete(f"/api/v1/notes/{ids['fan']}"), 200)
    assert set(cleared) == set(
        response_schema(schema, "/api/v1/notes/{interaction_id}", "delete")["properties"]
    )


def test_real_errors_match_the_error_envelope(schema, v1_client):
    missing = v1_client.get("/api/v1/clients/999999")
    error = response_schema(schema, "/api/v1/clients/{interaction_id}", "get", 404)
    assert set(assert_status(missing, 404)) == set(error["properties"])


def test_public_answers_match_the_documented_shapes(schema, anon_client, creator):
    key = anon_client.post(
        "/api/v1/auth/generate-key",
        {"model_slug": creator.slug, "password": DEFAULT_PASSWORD, "name": "ci"},
        format="json",
    )
    assert_documented(schema, "/api/v1/auth/generate-key", "post", 201, assert_status(key, 201))
    revoked = anon_client.post(
        "/api/v1/auth/revoke-key", {"model_slug": creator.slug, "password": DEFAULT_PASSWORD}, format="json"
    )
    assert_documented(schema, "/api/v1/auth/revoke-key", "post", 200, assert_status(revoked, 200))

    accepted = assert_status(anon_client.post("/api/contact/submit", submission(creator), format="json"), 200)
    assert set(accepted) == set(response_schema(schema, "/api/contact/submit", "post")["properties"])
    invalid = anon_client.post("/api/contact/submit", submission(creator, email="nope"), format="json")
    rejected = response_schema(schema, "/api/contact/submit", "post", 400)
    assert set(assert_status(invalid, 400)) == set(rejected["properties"])
