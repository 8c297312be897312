"""Page depth vs. time for GET /api/crm/fans?limit=100 with 100,000 fans of one creator.

    DATABASE_URL=sqlite:///var/bench-fans.sqlite3 .venv/bin/python bench/fans_pagination.py
    DATABASE_URL=postgres://user@host:port/db .venv/bin/python bench/fans_pagination.py

Creates (once) a creator with 100,000 fans, each with one or two tags, then walks the cursors
to page 1000 and times the first and the thousandth page through Django's test Client (the
full stack: middleware, JWT cookie authentication, filters, keyset query, tag prefetch, JSON).
Prints the medians and the query count per page, plus an OFFSET query for comparison.
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-fans.sqlite3'}")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from rest_framework_simplejwt.tokens import RefreshToken  # noqa: E402

from crm import services  # noqa: E402
from crm.models import Creator, Fan  # noqa: E402

FANS = 100_000
PAGE = 100
DEPTH = 1000
RUNS = int(os.environ.get("BENCH_RUNS", "25"))


def ensure_data() -> Creator:
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    creator = Creator.objects.filter(slug="bench-fans").first()
    if creator is None:
        creator = services.creator_create(slug="bench-fans", email="bench-fans@example.com", password="bench-pass-123")
    have = Fan.objects.filter(creator=creator).count()
    if have < FANS:
        started = time.perf_counter()
        tags = services.tags_resolve(creator=creator, names=["vip", "new", "loyal", "whale"])
        batch = 5000
        for start in range(have, FANS, batch):
            fans = Fan.objects.bulk_create(
                Fan(creator=creator, name=f"Fan {i}", platform="onlyfans", platform_id=f"of_{i}",
                    handle=f"@fan{i}", value_cents=(i * 7919) % 100_000)
                for i in range(start, min(start + batch, FANS))
            )
            if fans[0].pk is None:  # backends that do not return ids
                fans = list(Fan.objects.filter(creator=creator, platform_id__in=[f.platform_id for f in fans]))
            Through = Fan.tags.through
            Through.objects.bulk_create(
                [Through(fan_id=f.pk, tag_id=tags[f.pk % 4].pk) for f in fans]
                + [Through(fan_id=f.pk, tag_id=tags[(f.pk + 1) % 4].pk) for f in fans if f.pk % 3 == 0]
            )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # planner statistics, as a live database has them
        print(f"generated {FANS - have} fans in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    return creator


def timed(client, params) -> tuple[float, int, dict]:
    connection.queries_log.clear()  # the log is capped: a full one would count nothing
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get("/api/crm/fans", params)
        elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.content[:200]
    return elapsed, len(queries), response.json()


def measure(client, ordering: str) -> dict:
    params = {"limit": PAGE, "ordering": ordering}
    cursor, page = None, 1
    cursors = {1: None}
    while page < DEPTH:
        _, _, body = timed(client, {**params, **({"cursor": cursor} if cursor else {})})
        cursor = body["next_cursor"]
        page += 1
        cursors[page] = cursor
    queries = {depth: {**params, **({"cursor": cursors[depth]} if cursors[depth] else {})} for depth in (1, DEPTH)}
    samples = {1: [], DEPTH: []}
    counts = set()
    for query in queries.values():
        timed(client, query)  # warm
    # Alternate the two pages so that load from elsewhere on the machine hits both alike.
    for _ in range(RUNS):
        for depth, query in queries.items():
            elapsed, count, body = timed(client, query)
            assert len(body["fans"]) == PAGE
            samples[depth].append(elapsed)
            counts.add(count)
    return {depth: statistics.median(s) * 1000 for depth, s in samples.items()}, counts


def plan_of_deep_page(creator, ordering: str) -> str:
    """The database's plan for the thousandth page's fan query."""
    from crm.api.jwt.views import FAN_ORDERINGS

    keyset = FAN_ORDERINGS[ordering]
    base = Fan.objects.filter(creator=creator).order_by(*keyset.order_by())
    row = base[(DEPTH - 1) * PAGE - 1]
    after = keyset.after(keyset.values_of(row))
    return base.filter(after)[:PAGE].explain().replace("\n", " / ")


def offset_median(creator, depth: int) -> float:
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        list(Fan.objects.filter(creator=creator).order_by("-id")[(depth - 1) * PAGE : depth * PAGE])
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def main():
    creator = ensure_data()
    client = Client()
    client.cookies["access_token"] = str(RefreshToken.for_user(creator.user).access_token)
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}; fans: "
          f"{Fan.objects.filter(creator=creator).count()}; runs per figure: {RUNS}")
    print("| ordering | page 1 median | page 1000 median | queries per page |")
    print("|---|---|---|---|")
    plans = []
    for ordering in ("-id", "-value_cents", "name"):
        medians, counts = measure(client, ordering)
        print(f"| `{ordering}` | {medians[1]:.1f} ms | {medians[DEPTH]:.1f} ms | {', '.join(map(str, sorted(counts)))} |")
        plans.append(f"- `{ordering}`: {plan_of_deep_page(creator, ordering)}")
    print("\nplans of the page-1000 fan query:\n" + "\n".join(plans))
    print(f"\nfor comparison, the fan query alone with OFFSET: page 1 {offset_median(creator, 1):.1f} ms, "
          f"page 1000 {offset_median(creator, DEPTH):.1f} ms")


if __name__ == "__main__":
    main()
