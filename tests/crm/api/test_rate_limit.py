"""The write budget: 60 writes per 60 s per creator, shared by both surfaces and all processes."""

import json
import os
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest
from django.db import connection
from django.test import RequestFactory
from django.urls import path
from rest_framework.test import APIClient

from core import ratelimit
from core.api.views import v1_ok
from crm.api.base import V1SurfaceView, creator_write
from crm.models import Fan
from tests.helpers import assert_crm_error, assert_status, jwt_for

WORKER = Path(__file__).with_name("ratelimit_worker.py")


def fan_body(i):
    return {"name": f"Fan {i}", "platform": "onlyfans", "platform_id": f"of-{i}"}


@pytest.mark.django_db
def test_sixty_writes_then_429_and_reads_stay_free(crm_client):
    remaining = []
    for i in range(60):
        response = crm_client.post("/api/crm/fans", fan_body(i), format="json")
        assert_status(response, 201)
        remaining.append(int(response["X-RateLimit-Remaining"]))
        assert response["X-RateLimit-Limit"] == "60"
    assert remaining == list(range(59, -1, -1))
    limited = crm_client.post("/api/crm/fans", fan_body(60), format="json")
    assert_crm_error(limited, 429, "Rate limit exceeded")
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert limited["X-RateLimit-Remaining"] == "0"
    assert int(limited["X-RateLimit-Reset"]) - int(time.time()) == pytest.approx(int(limited["Retry-After"]), abs=1)
    assert Fan.objects.count() == 60
    # Every write verb spends the same budget, and reads are never limited.
    fan = Fan.objects.first()
    assert_crm_error(crm_client.patch(f"/api/crm/fans/{fan.pk}", {"name": "x"}, format="json"), 429, "Rate limit exceeded")
    assert_crm_error(crm_client.delete(f"/api/crm/fans/{fan.pk}"), 429, "Rate limit exceeded")
    for _ in range(5):
        response = crm_client.get("/api/crm/fans")
        assert_status(response, 200)
        assert "X-RateLimit-Remaining" not in response


@pytest.mark.django_db
def test_failed_writes_count_and_budgets_are_per_creator(crm_client, other_crm_client):
    for _ in range(60):
        crm_client.post("/api/crm/fans", {}, format="json")  # 400s are writes too
    assert_crm_error(crm_client.post("/api/crm/fans", fan_body(1), format="json"), 429, "Rate limit exceeded")
    assert_status(other_crm_client.post("/api/crm/fans", fan_body(1), format="json"), 201)


class V1Probe(V1SurfaceView):
    """A stand-in for any /api/v1 write view: the budget lives in the shared base class."""

    def post(self, request):
        return v1_ok({})


urlpatterns = [path("api/v1/probe", V1Probe.as_view())]


@pytest.mark.django_db
def test_a_key_and_a_login_spend_their_own_budgets_under_the_creators_total(crm_client, v1_client, settings, api_key):
    # Issue 17: per login per creator and per API key (WRITE_RATE_LIMIT), plus the creator's
    # total (CREATOR_WRITE_RATE_LIMIT, 5x by default). Before, one budget per creator.
    settings.WRITE_RATE_LIMIT = "3/60s"
    settings.ROOT_URLCONF = __name__
    for _ in range(3):
        assert_status(v1_client.post("/api/v1/probe", {}, format="json"), 200)
    assert v1_client.post("/api/v1/probe", {}, format="json").status_code == 429
    settings.ROOT_URLCONF = "config.urls"
    # The creator's login still has its own three.
    for i in range(3):
        response = crm_client.post("/api/crm/fans", fan_body(i), format="json")
        assert_status(response, 201)
    assert response["X-RateLimit-Limit"] == "3" and response["X-RateLimit-Remaining"] == "0"
    assert_crm_error(crm_client.post("/api/crm/fans", fan_body(9), format="json"), 429, "Rate limit exceeded")


@pytest.mark.django_db
def test_the_creators_total_caps_every_member_together(creator, settings):
    from crm.teams.policy import Member
    from tests.factories import MembershipFactory

    settings.WRITE_RATE_LIMIT = "2/60s"
    settings.CREATOR_WRITE_RATE_LIMIT = "5/60s"
    members = [Member(creator=creator, user=MembershipFactory(creator=creator).user, role="chatter") for _ in range(3)]
    usages = [creator_write(RequestFactory().post("/api/crm/fans"), m) for m in members for _ in range(2)]
    assert [u.exceeded for u in usages] == [False] * 5 + [True]
    assert (usages[-1].limit, usages[-1].remaining) == (5, 0)  # the total refuses, and says so


def test_the_creators_total_defaults_to_five_times(settings):
    from crm.api.base import creator_write_rate

    settings.WRITE_RATE_LIMIT, settings.CREATOR_WRITE_RATE_LIMIT = "60/60s", ""
    assert creator_write_rate() == "300/60s"


def _rate_with_time_left(key: str, minimum: int = 300) -> str:
    """60 per a period whose current window (django-ratelimit offsets it per key) ends late
    enough that it cannot roll over during the test."""
    now = int(time.time())
    for period in range(3600, 3700):
        window = now - (now % period) + (zlib.crc32(key.encode()) % period)
        window = window + period if window < now else window
        if window - now > minimum:
            return f"60/{period}s"
    raise AssertionError("no period found")


def _spread_writes(creator, env_extra: dict) -> list[int]:
    """45 fan creations in each of two concurrent processes; returns every status."""
    token = jwt_for(creator.user)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", **env_extra}
    env["WRITE_RATE_LIMIT"] = _rate_with_time_left(f"member:{creator.pk}:{creator.user_id}")
    database = connection.settings_dict["NAME"]
    workers = [
        subprocess.Popen(
            [sys.executable, str(WORKER), database, token, label, "45"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for label in ("a", "b")
    ]
    statuses = []
    for worker in workers:
        out, err = worker.communicate(timeout=180)
        assert worker.returncode == 0, err[-3000:]
        statuses += json.loads(out.strip().splitlines()[-1])
    return statuses


def _assert_exactly_sixty(statuses, creator):
    # Each process alone stays under 60: any 429 means they counted together; exactly 60
    # successes means no increment was lost between them.
    assert len(statuses) == 90
    assert statuses.count(201) == 60, statuses
    assert statuses.count(429) == 30
    assert Fan.objects.filter(creator=creator).count() == 60


@pytest.mark.django_db(transaction=True)
def test_two_processes_share_the_database_cache_counter(creator):
    statuses = _spread_writes(creator, {"REDIS_URL": ""})
    _assert_exactly_sixty(statuses, creator)


@pytest.mark.once
@pytest.mark.django_db(transaction=True)
def test_two_processes_share_the_redis_counter(creator, redis_server):
    import redis

    redis.Redis.from_url(redis_server).flushdb()
    statuses = _spread_writes(creator, {"REDIS_URL": redis_server})
    _assert_exactly_sixty(statuses, creator)
    # The counter really lives in Redis.
    assert redis.Redis.from_url(redis_server).dbsize() >= 1


def test_headers_and_retry_after_of_a_usage():
    usage = ratelimit.Usage(limit=60, remaining=0, reset=int(time.time()) + 30, exceeded=True)
    assert usage.headers()["X-RateLimit-Limit"] == "60"
    assert 29 <= usage.retry_after <= 30
    assert ratelimit.Usage(limit=60, remaining=0, reset=0, exceeded=True).retry_after == 1


def test_unused_client_is_never_rate_limited_for_reads(db, creator):
    client = APIClient()
    client.cookies["access_token"] = jwt_for(creator.user)
    for _ in range(70):
        assert client.get("/api/crm/transactions").status_code == 200
