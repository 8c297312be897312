"""The application's Prometheus metrics: what processes count as they work.

With PROMETHEUS_MULTIPROC_DIR set (gunicorn, the live process, the worker and the sweeper of one
host share it) every process writes its values to files there and any web worker's /metrics adds
them up (prometheus_client's multiprocess mode); without it (tests, a single process) the values
live in this process. The figures read from the database at scrape time are in `exposition`.
Nothing here imports a model: any module may count.
"""

from prometheus_client import Counter, Histogram

from . import multiproc

if multiproc.directory():
    multiproc.directory().mkdir(parents=True, exist_ok=True, mode=0o700)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
QUERY_BUCKETS = (0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 100, 200)
# From receipt to the final outcome: seconds when all is well, hours when retries back off.
WEBHOOK_LATENCY_BUCKETS = (0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600, 24 * 3600)

HTTP_REQUESTS = Counter(
    "crm_http_requests_total",
    "HTTP responses by route name, method and status.",
    ["route", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "crm_http_request_duration_seconds",
    "Time from the first middleware to the response, by route name, method and status.",
    ["route", "method", "status"],
    buckets=LATENCY_BUCKETS,
)
HTTP_QUERIES = Histogram(
    "crm_http_request_db_queries",
    "Database queries run while serving one request, by route name.",
    ["route"],
    buckets=QUERY_BUCKETS,
)
RATE_LIMIT_REFUSALS = Counter(
    "crm_rate_limit_refusals_total",
    "Requests refused because a rate-limit budget was spent, by budget.",
    ["budget"],
)
FAILED_SIGN_INS = Counter(
    "crm_failed_sign_ins_total",
    "Sign-ins refused for wrong credentials, by entry point (api, page, admin).",
    ["entry"],
)
WEBHOOK_EVENTS = Counter(
    "crm_webhook_events_total",
    "Webhook events by what happened to them: received (stored), processed, ignored, failed, dead.",
    ["status"],
)
WEBHOOK_LATENCY = Histogram(
    "crm_webhook_event_latency_seconds",
    "From receipt of a webhook event to its final outcome (processed, ignored, dead).",
    ["status"],
    buckets=WEBHOOK_LATENCY_BUCKETS,
)
LIVE_STREAMS = Counter(
    "crm_live_streams_total",
    "Live-update streams opened and ended (open now: opened - ended, per live process).",
    ["event"],
)
LIVE_EVENTS_SENT = Counter(
    "crm_live_events_sent_total",
    "Feed events sent on live streams, one per watcher that was shown it.",
)
