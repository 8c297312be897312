"""GET /metrics: who may read it, and that the counters move with what they count."""

import os

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult

from core.observability import multiproc
from tests.factories import DEFAULT_PASSWORD
from tests.webhooks.conftest import deliver, load

from .conftest import sample

pytestmark = [pytest.mark.once, pytest.mark.django_db]

TOKEN = "metrics-token-for-tests"


def scrape(client=None, **extra):
    return (client or Client()).get("/metrics", **extra)


# --- Access ---------------------------------------------------------------------------------


def test_nobody_without_configuration_outside_local(settings, django_assert_num_queries):
    settings.METRICS_ALLOW_LOOPBACK = False
    with django_assert_num_queries(0):  # refused cheaply: no session, no user, no database
        response = scrape(REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 404
    assert response.content == Client().get("/no-such-page").content  # the site's own 404


def test_local_allows_direct_loopback_only(settings):
    settings.METRICS_ALLOW_LOOPBACK = True
    assert scrape(REMOTE_ADDR="127.0.0.1").status_code == 200
    assert scrape(REMOTE_ADDR="::1").status_code == 200
    assert scrape(REMOTE_ADDR="10.1.2.3").status_code == 404
    # A local proxy forwarding someone else's request is not a direct request.
    assert scrape(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 404


def test_bearer_token(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOW_LOOPBACK = True  # a token configured: loopback alone no longer suffices
    assert scrape(HTTP_AUTHORIZATION=f"Bearer {TOKEN}", REMOTE_ADDR="198.51.100.4").status_code == 200
    assert scrape(HTTP_AUTHORIZATION=f"Bearer {TOKEN}x").status_code == 404
    assert scrape(HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 404
    assert scrape(REMOTE_ADDR="127.0.0.1").status_code == 404


def test_allowed_networks_judge_the_real_client_address(settings):
    settings.METRICS_ALLOWED_CIDRS = ["10.0.0.0/8", "2001:db8::/32"]
    settings.TRUSTED_PROXY_COUNT = 1
    # Behind one proxy the client is the last X-Forwarded-For entry, not the proxy's address.
    assert scrape(REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="10.9.8.7").status_code == 200
    assert scrape(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 404
    # A spoofed first entry is not what the proxy appended.
    assert scrape(REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="10.1.1.1, 203.0.113.5").status_code == 404
    assert scrape(REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="2001:db8::7").status_code == 200
    settings.TRUSTED_PROXY_COUNT = 0
    assert scrape(REMOTE_ADDR="10.2.3.4").status_code == 200


def test_refused_whatever_the_method(settings):
    settings.METRICS_ALLOW_LOOPBACK = False
    assert Client().post("/metrics").status_code == 404
    settings.METRICS_TOKEN = TOKEN
    assert Client().post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 405


def test_health_and_metrics_pass_the_production_redirect_by(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
    assert Client().get("/healthz").status_code == 200
    assert Client().get("/fans/").status_code == 301


# --- What is counted ------------------------------------------------------------------------


@pytest.fixture
def allowed(settings):
    settings.METRICS_TOKEN = TOKEN
    return Client(HTTP_AUTHORIZATION=f"Bearer {TOKEN}")


def test_requests_by_route_method_and_status(allowed, crm_client):
    labels = {"route": "api-crm-fans", "method": "GET", "status": "200"}
    before = sample("crm_http_requests_total", **labels)
    latency_before = sample("crm_http_request_duration_seconds_count", **labels)
    queries_before = sample("crm_http_request_db_queries_sum", route="api-crm-fans")
    crm_client.get("/api/crm/fans?q=anything")
    assert sample("crm_http_requests_total", **labels) == before + 1
    assert sample("crm_http_request_duration_seconds_count", **labels) == latency_before + 1
    assert sample("crm_http_request_db_queries_sum", route="api-crm-fans") > queries_before
    unmatched = sample("crm_http_requests_total", route="unmatched", method="GET", status="404")
    Client().get("/no/such/path/12345")
    assert sample("crm_http_requests_total", route="unmatched", method="GET", status="404") == unmatched + 1
    odd = sample("crm_http_requests_total", route="healthz", method="other", status="405")
    Client().generic("BREW", "/healthz")
    assert sample("crm_http_requests_total", route="healthz", method="other", status="405") == odd + 1
    body = allowed.get("/metrics").content.decode()
    assert 'crm_http_requests_total{method="GET",route="api-crm-fans",status="200"}' in body


def test_rate_limit_refusals_by_budget(settings, anon_client, creator):
    settings.LOGIN_RATE_LIMIT = "1/5m"
    before = sample("crm_rate_limit_refusals_total", budget="sign-in")
    for _ in range(3):
        anon_client.post("/api/auth/login", {"email": "x@example.com", "password": "x"}, format="json")
    assert sample("crm_rate_limit_refusals_total", budget="sign-in") == before + 2


def test_failed_sign_ins_from_the_api_the_page_and_the_admin(anon_client, creator):
    before = {entry: sample("crm_failed_sign_ins_total", entry=entry) for entry in ("api", "page", "admin")}
    anon_client.post("/api/auth/login", {"email": creator.user.email, "password": "wrong"}, format="json")
    Client().post("/auth/login", {"username": creator.user.email, "password": "wrong"})
    Client().post("/admin/login/", {"username": creator.user.email, "password": "wrong"})
    anon_client.post("/api/auth/login", {"email": creator.user.email, "password": DEFAULT_PASSWORD}, format="json")
    after = {entry: sample("crm_failed_sign_ins_total", entry=entry) for entry in ("api", "page", "admin")}
    assert after == {entry: value + 1 for entry, value in before.items()}


def test_webhook_events_and_their_latency(account, django_capture_on_commit_callbacks):
    received = sample("crm_webhook_events_total", status="received")
    processed = sample("crm_webhook_events_total", status="processed")
    latency = sample("crm_webhook_event_latency_seconds_count", status="processed")
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(Client(), load("messaging")).status_code == 200
    assert sample("crm_webhook_events_total", status="received") == received + 1
    assert sample("crm_webhook_events_total", status="processed") == processed + 1
    assert sample("crm_webhook_event_latency_seconds_count", status="processed") == latency + 1


def test_scrape_time_figures(allowed, settings, account):
    from tests.webhooks.conftest import store

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    store("messaging")  # pending, its task queued and not run
    assert DBTaskResult.objects.count() == 1
    body = allowed.get("/metrics").content.decode()
    assert 'crm_task_queue_depth{queue="default"} 1.0' in body
    assert 'crm_task_oldest_pending_age_seconds{queue="default"}' in body
    assert 'crm_webhook_events_backlog{status="pending"} 1.0' in body
    assert 'crm_webhook_events_backlog{status="dead"} 0.0' in body
    assert 'crm_build_info{commit="' in body and 'version="1.0.0"' in body


def test_an_empty_queue_is_zero(allowed):
    body = allowed.get("/metrics").content.decode()
    assert 'crm_task_queue_depth{queue="default"} 0.0' in body


# --- The multiprocess directory ---------------------------------------------------------------


def test_prune_removes_only_the_files_of_processes_that_ended(tmp_path):
    import subprocess
    import sys

    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(ended.stdout)
    for name in (f"counter_{dead_pid}.db", f"histogram_{dead_pid}.db", f"gauge_livesum_{dead_pid}.db"):
        (tmp_path / name).write_bytes(b"")
    mine = [tmp_path / f"counter_{os.getpid()}.db", tmp_path / f"histogram_{os.getpid()}.db"]
    for path in mine:
        path.write_bytes(b"")
    (tmp_path / "notes.txt").write_text("not ours")
    assert multiproc.prune(tmp_path) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([p.name for p in mine] + ["notes.txt"])


def test_prune_creates_the_directory(tmp_path):
    assert multiproc.prune(tmp_path / "metrics") == 0
    assert (tmp_path / "metrics").is_dir()


def test_the_example_alert_rules_name_only_metrics_the_app_exposes(settings):
    import re

    import yaml
    from prometheus_client import Counter, Histogram

    from core.observability import exposition, metrics

    names = set()
    for metric in vars(metrics).values():
        if isinstance(metric, Counter):
            names.add(f"{metric._name}_total")
        elif isinstance(metric, Histogram):
            names |= {f"{metric._name}_{suffix}" for suffix in ("bucket", "count", "sum")}
    names |= {family.name for collect in exposition.scrape_collectors for family in collect()}
    rules = yaml.safe_load((settings.BASE_DIR / "deploy" / "prometheus" / "crm-alerts.yml").read_text())
    used = {name for rule in rules["groups"][0]["rules"] for name in re.findall(r"\b(crm_[a-z_]+)", rule["expr"])}
    assert used and not used - names, used - names
