import pytest
from django.test import Client


@pytest.fixture
def other_page_client(other_creator):
    client = Client()
    client.force_login(other_creator.user)
    client.creator = other_creator
    return client


def assert_status(response, expected: int):
    """Assert a status, printing the page when it is not the expected one."""
    if response.status_code != expected:
        body = response.content.decode(errors="replace")[:3000]
        raise AssertionError(f"expected {expected}, got {response.status_code}:\n{body}")


def assert_login_redirect(response, path: str):
    assert response.status_code == 302, response.status_code
    assert response["Location"].startswith("/auth/login?next="), response["Location"]
