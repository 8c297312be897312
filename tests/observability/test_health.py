"""/healthz (liveness, no dependency) and /readyz (every dependency, within 2 s, kept 2 s)."""

import socket
import threading
import time

import pytest
from django.test import Client

from core.observability import health
from tests.conftest import free_port

pytestmark = pytest.mark.once


@pytest.mark.django_db
def test_healthz_touches_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": "1.0.0"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db(transaction=True)
def test_readyz_names_every_check_when_all_answer():
    response = Client().get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok", "storage": "ok"}}


@pytest.mark.django_db(transaction=True)
def test_readyz_checks_redis_when_configured(settings, redis_server):
    settings.REDIS_URL = redis_server
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_server}}
    response = Client().get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"] == {"database": "ok", "cache": "ok", "storage": "ok", "redis": "ok"}


@pytest.mark.django_db(transaction=True)
def test_a_refused_dependency_is_named_and_nothing_secret_is_said(settings):
    settings.REDIS_URL = f"redis://:secret-password@127.0.0.1:{free_port()}/0"  # nothing listens there
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "cache": "ok", "storage": "ok", "redis": "error"},
        "failed": ["redis"],
    }
    assert b"secret-password" not in response.content and b"127.0.0.1" not in response.content


@pytest.fixture
def hanging_server():
    """A socket that accepts connections and never answers a byte: a dependency that hangs."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted, stop = [], threading.Event()

    def accept():
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    stop.set()
    thread.join()
    for conn in accepted:  # the stuck checks get their answer (a closed connection) and end
        conn.close()
    listener.close()


@pytest.mark.django_db(transaction=True)
def test_a_hanging_dependency_is_503_within_two_seconds(settings, hanging_server, monkeypatch):
    settings.REDIS_URL = hanging_server
    # The cache on the same hanging Redis, with no client timeouts at all: only the deadline helps.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": hanging_server}}
    monkeypatch.setattr(health, "check_redis", _ping_without_timeout)
    started = time.monotonic()
    response = Client().get("/readyz")
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.json()["failed"] == ["cache", "redis"]
    assert response.json()["checks"]["redis"] == response.json()["checks"]["cache"] == "timeout"
    assert elapsed < 2.0

    # Asked again after the kept answer expired, the checks still hanging are not started twice.
    threads_before = set(threading.enumerate())
    health.forget()
    started = time.monotonic()
    assert Client().get("/readyz").status_code == 503
    assert time.monotonic() - started < 2.0
    assert set(threading.enumerate()) - threads_before == set()


def _ping_without_timeout():
    import redis
    from django.conf import settings

    redis.Redis.from_url(settings.REDIS_URL).ping()


@pytest.mark.django_db(transaction=True)
def test_the_answer_is_kept_two_seconds(monkeypatch):
    runs = []
    monkeypatch.setattr(health, "configured_checks", lambda: [health.Check("counted", lambda: runs.append(1))])
    assert Client().get("/readyz").status_code == 200
    assert Client().get("/readyz").status_code == 200
    assert len(runs) == 1
    monkeypatch.setattr(health.time, "monotonic", lambda: time.perf_counter() + 10_000)
    Client().get("/readyz")
    assert len(runs) == 2


@pytest.mark.django_db(transaction=True)
def test_a_media_folder_that_cannot_be_created_fails_storage(settings, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": blocker / "media"}},
    }
    response = Client().get("/readyz")
    assert response.status_code == 503 and response.json()["failed"] == ["storage"]
