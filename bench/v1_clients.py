"""Benchmark: GET /api/v1/clients?limit=100 for a creator with 100,000 clients.

    .venv/bin/python bench/v1_clients.py [--fans 100000] [--others 50000] [--runs 25]

Builds (once) a separate SQLite database, var/bench-v1.sqlite3 (or DATABASE_URL when set), with
one creator holding `--fans` clients (30% with a conversation carrying unread messages) and two
other creators sharing `--others` clients. Then times pages 1 and 1000 in-process through the
full middleware/DRF stack, reports medians and the query count of one request, and prints the
SQLite query plans of the count and page queries.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-v1.sqlite3'}")
os.environ.setdefault("DJANGO_DEBUG", "False")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from core.crypto import email_hash  # noqa: E402
from crm import services  # noqa: E402
from crm.choices import ClientCategory, Platform  # noqa: E402
from crm.models import Conversation, Creator, Fan  # noqa: E402

BATCH = 5000
CATEGORIES = [ClientCategory.UNSCREENED, ClientCategory.SCREENED, ClientCategory.SUBSCRIBER]


def build_fans(creator, count: int, with_conversations: bool) -> None:
    now = timezone.now()
    made = 0
    while made < count:
        size = min(BATCH, count - made)
        fans = [
            Fan(
                creator=creator,
                name=f"Client {creator.pk}-{made + i}",
                platform=Platform.DIRECT,
                client_identifier=f"c{creator.pk}-{made + i}",
                email_hash=email_hash(f"c{creator.pk}-{made + i}@example.com"),
                client_category=CATEGORIES[(made + i) % 3],
                created_at=now,
                updated_at=now,
            )
            for i in range(size)
        ]
        Fan.objects.bulk_create(fans, batch_size=1000)
        if with_conversations:
            conversations = [
                Conversation(
                    creator=creator,
                    fan=fan,
                    platform=Platform.DIRECT,
                    unread_count=i % 4,
                    message_count=i % 9,
                )
                for i, fan in enumerate(fans)
                if i % 10 < 3
            ]
            Conversation.objects.bulk_create(conversations, batch_size=1000)
        made += size


def ensure_data(fans: int, others: int):
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    creator = Creator.objects.filter(slug="bench-main").first()
    if creator is None or Fan.objects.filter(creator=creator).count() != fans:
        Creator.objects.filter(slug__startswith="bench-").delete()
        creator = services.creator_create(
            slug="bench-main", email="bench-main@example.com", password="bench-pass-123"
        )
        print(f"building {fans} clients for bench-main and {others} for two other creators…", flush=True)
        build_fans(creator, fans, with_conversations=True)
        for n in (1, 2):
            other = services.creator_create(
                slug=f"bench-other-{n}", email=f"bench-{n}@example.com", password="x-pass-123"
            )
            build_fans(other, others // 2, with_conversations=True)
        with connection.cursor() as cursor:
            # Fresh planner statistics (and, on PostgreSQL, a visibility map for index-only scans).
            cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "VACUUM ANALYZE")
    _api_key, raw_key = services.api_key_create(creator=creator, name="bench")
    return creator, raw_key


def measure(client, url: str, runs: int) -> tuple[float, int, dict]:
    client.get(url)  # warm-up (also records the key's last use)
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.content[:200]
    with CaptureQueriesContext(connection) as queries:
        body = client.get(url).json()
    return statistics.median(timings), len(queries.captured_queries), {"queries": queries, "body": body}


def explain(sql: str) -> list[str]:
    """The plan of a captured query (its parameters are already inlined by the capture)."""
    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql)
        return [row[-1] for row in cursor.fetchall()]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--fans", type=int, default=100_000)
    parser.add_argument("--others", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=25)
    args = parser.parse_args()

    creator, raw_key = ensure_data(args.fans, args.others)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw_key}", HTTP_HOST="localhost")
    print(
        f"database: {connection.vendor}; clients of bench-main: {Fan.objects.filter(creator=creator).count()}, "
        f"all clients: {Fan.objects.count()}"
    )
    for label, url in (
        ("page 1", "/api/v1/clients?limit=100&page=1"),
        ("page 1000", "/api/v1/clients?limit=100&page=1000"),
        ("page 1, status=screened", "/api/v1/clients?limit=100&status=screened"),
    ):
        median, count, detail = measure(client, url, args.runs)
        body = detail["body"]
        print(
            f"{label:26s} median {median:7.1f} ms  queries {count}  items {len(body['data'])}  "
            f"total {body['pagination']['total']}"
        )
        if label == "page 1000":
            for query in detail["queries"].captured_queries[1:]:
                print("  SQL :", query["sql"][:160], "…" if len(query["sql"]) > 160 else "")
                for step in explain(query["sql"]):
                    print("  PLAN:", step)


if __name__ == "__main__":
    main()
