"""The chat API is documented in the OpenAPI schema, and its answers are what the schema says."""

import pytest

from tests.api_v1.test_schema import resolve, response_schema
from tests.helpers import assert_status

from .conftest import Visitor

pytestmark = pytest.mark.django_db

CHAT_OPERATIONS = {
    "/api/chat/start": {"post"},
    "/api/chat/messages": {"get", "post"},
    "/api/chat/files/{file_id}": {"get"},
}


@pytest.fixture
def schema(client):
    return client.get("/api/schema/", {"format": "json"}).json()


def test_every_chat_operation_is_documented_public_and_tagged(schema):
    for path, methods in CHAT_OPERATIONS.items():
        assert methods == set(schema["paths"][path]) - {"options"}, path
        for method in methods:
            operation = schema["paths"][path][method]
            assert operation["tags"] == ["chat"] and operation["security"] == [{}], (path, method)
    send = schema["paths"]["/api/chat/messages"]["post"]
    assert {"201", "400", "403", "404", "409", "413", "429", "507"} <= set(send["responses"])
    assert {"application/json", "multipart/form-data"} <= set(send["requestBody"]["content"])
    assert set(response_schema(schema, "/api/chat/messages", "post", 507)["required"]) == {"success", "error"}


def test_answers_match_the_schema(schema, creator):
    browser = Visitor(creator)
    started = assert_status(browser.start(), 201)
    documented = response_schema(schema, "/api/chat/start", "post", 201)
    assert set(started) == set(documented["properties"])
    state = resolve(schema, documented["properties"]["data"])
    assert set(started["data"]) == set(state["properties"])
    sent = assert_status(browser.send("hello"), 201)
    message = resolve(schema, response_schema(schema, "/api/chat/messages", "post", 201)["properties"]["data"]["items"])
    assert set(sent["data"][0]) == set(message["properties"])
    listed = assert_status(browser.messages(), 200)
    page = response_schema(schema, "/api/chat/messages", "get")
    assert set(listed) == set(page["properties"]) == {"success", "data", "chat"}
    assert set(listed["chat"]) == set(resolve(schema, page["properties"]["chat"])["properties"])
