import os
import shutil
import socket
import subprocess
import time

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import ApiKeyFactory, CreatorFactory
from tests.helpers import crm_client_for, page_client_for, staff_login, v1_client_for

IN_CI = os.environ.get("CI") == "true"
# `real_server`: the server `make run` starts, for what only a real server shows.
pytest_plugins = ["tests.real_server"]


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Every test writes files to its own temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media", "base_url": None},
        },
    }


@pytest.fixture(autouse=True)
def _fresh_rate_limits(request):
    """Rate-limit counters live in the cache; no test inherits another's."""
    uses_db = request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(
        request.fixturenames
    )
    if uses_db:
        from django.core.cache import cache

        request.getfixturevalue("transactional_db" if "transactional_db" in request.fixturenames else "db")
        cache.clear()


@pytest.fixture(autouse=True)
def _steady_rate_windows(monkeypatch):
    """django-ratelimit's windows follow the wall clock (offset per key), so a test counting to a
    limit could see its window roll over half-way and get a fresh budget. In this process every
    window starts when the test starts and ends one period later: the counts and Retry-After are
    those of a real window, and none rolls over within a test shorter than its period."""
    started = int(time.time())
    monkeypatch.setattr("django_ratelimit.core._get_window", lambda value, period: started + period)


@pytest.fixture
def creator(db):
    return CreatorFactory()


@pytest.fixture
def other_creator(db):
    return CreatorFactory()


@pytest.fixture
def crm_client(creator):
    """A seed-000 client authenticated with the `access_token` cookie, as the seed's browser is."""
    return crm_client_for(creator.user, creator=creator)


@pytest.fixture
def other_crm_client(other_creator):
    return crm_client_for(other_creator.user, creator=other_creator)


@pytest.fixture
def api_key(creator):
    return ApiKeyFactory(creator=creator)


@pytest.fixture
def v1_client(api_key):
    """A seed-002 client with `Authorization: Bearer pk_...`."""
    client = v1_client_for(api_key.raw_key, creator=api_key.creator)
    client.api_key = api_key
    return client


@pytest.fixture
def anon_client():
    return APIClient()


@pytest.fixture
def page_client(creator):
    """A logged-in browser session for the server-rendered pages."""
    return page_client_for(creator.user, creator=creator)


@pytest.fixture
def other_page_client(other_creator):
    return page_client_for(other_creator.user, creator=other_creator)


@pytest.fixture
def staff(db):
    """A superuser's session in the admin (`staff.user` is the user)."""
    user = get_user_model().objects.create_superuser(
        username="admin", email="admin@example.com", password="admin12345"
    )
    return staff_login(page_client_for(user), user)


@pytest.fixture
def admin_client(db, admin_user):
    """pytest-django's admin_client, verified with a second factor as the admin requires."""
    return staff_login(Client(), admin_user)


def require_or_skip(what: str, found: bool):
    """Under CI=true a missing service or browser is a failure, never a skip."""
    if found:
        return
    if IN_CI:
        pytest.fail(f"{what} is required under CI=true but was not found")
    pytest.skip(f"{what} not installed")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_redis_server() -> tuple[subprocess.Popen, str]:
    """A real redis-server on a free loopback port (the caller stops it); (process, URL)."""
    binary = shutil.which("redis-server")
    require_or_skip("redis-server", binary is not None)
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    return proc, f"redis://127.0.0.1:{port}/0"


@pytest.fixture(scope="session")
def redis_server():
    """A real redis-server on a loopback port, for the tests that need one."""
    proc, url = start_redis_server()
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def fake_graph(settings):
    """A fake Graph API on loopback (tests/fake_graph.py); INSTAGRAM_GRAPH_URL points at it."""
    from tests import fake_graph as graph

    server = graph.start()
    settings.INSTAGRAM_GRAPH_URL = server.url
    yield server
    server.close()
