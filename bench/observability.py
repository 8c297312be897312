"""Benchmark: what request ids, the access line and the metrics cost per request, and a scrape.

    .venv/bin/python bench/observability.py [--runs 3000]

In-process through the whole middleware stack (local settings, DEBUG off, logs to /dev/null at
INFO so the access line is formatted and written): GET /healthz (no database) and an
unmatched path (404, resolved twice), each with and without the two observability middlewares;
then GET /metrics with 100 routes × 3 statuses of request metrics recorded.
"""

import argparse
import logging.config
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DJANGO_DEBUG", "False")
os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client, override_settings  # noqa: E402

from core.observability import metrics  # noqa: E402
from core.observability.logging import logging_config  # noqa: E402

OURS = ("core.observability.middleware.RequestIdMiddleware", "core.observability.middleware.RequestMetricsMiddleware")


def per_request_us(client: Client, path: str, runs: int) -> float:
    for _ in range(50):
        client.get(path)
    samples = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(runs // 5):
            client.get(path)
        samples.append((time.perf_counter() - started) / (runs // 5) * 1e6)
    return statistics.median(samples)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3000)
    args = parser.parse_args()
    config = logging_config(log_format="json", level="INFO")
    config["handlers"]["console"]["stream"] = open(os.devnull, "w")  # noqa: SIM115
    logging.config.dictConfig(config)
    host = {"HTTP_HOST": "127.0.0.1"}
    without = [m for m in settings.MIDDLEWARE if m not in OURS]
    print(f"{'request':32} {'with (µs)':>10} {'without (µs)':>13} {'cost (µs)':>10}")
    for label, path in (("GET /healthz", "/healthz"), ("GET /no-such-page (404)", "/no-such-page")):
        with_ours = per_request_us(Client(**host), path, args.runs)
        with override_settings(MIDDLEWARE=without):
            bare = per_request_us(Client(**host), path, args.runs)
        print(f"{label:32} {with_ours:10.0f} {bare:13.0f} {with_ours - bare:10.0f}")

    for route in range(100):
        for status in ("200", "400", "404"):
            labels = {"route": f"bench-route-{route}", "method": "GET", "status": status}
            metrics.HTTP_REQUESTS.labels(**labels).inc()
            metrics.HTTP_LATENCY.labels(**labels).observe(0.01)
    with override_settings(METRICS_ALLOW_LOOPBACK=True):
        client = Client(REMOTE_ADDR="127.0.0.1", **host)
        size = len(client.get("/metrics").content)
        started = time.perf_counter()
        for _ in range(50):
            client.get("/metrics")
        ms = (time.perf_counter() - started) / 50 * 1000
    print(f"GET /metrics, 300 label sets: {ms:.1f} ms, {size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
