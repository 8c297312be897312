"""Time the analytics overview on the generated data set (run bench/analytics_data.py first).

Each run computes the full overview from the database (no cache anywhere); prints the median and
spread of --runs runs per window, and the number of queries one overview takes.

    python bench/analytics_overview.py --db sqlite --runs 30
"""

import argparse
import statistics
import time

from analytics_common import BENCH_SLUG, setup_django


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", default="sqlite", choices=["sqlite", "postgres"])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--windows", default="7d,30d,90d")
    parser.add_argument(
        "--candidates",
        type=int,
        help="best payers per month whose revenue is computed before the rest are bounded "
        "(analytics.fan_queries.TOP_FAN_CANDIDATES); 0 forces the full aggregation of top fans",
    )
    args = parser.parse_args()
    setup_django(args.db)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from analytics import fan_queries
    from analytics.selectors import overview

    if args.candidates is not None:
        fan_queries.TOP_FAN_CANDIDATES = args.candidates
    from crm.models import Creator, Fan, Message, Transaction

    creator = Creator.objects.get(slug=BENCH_SLUG)
    sizes = {
        "fans": Fan.objects.filter(creator=creator).count(),
        "messages": Message.objects.filter(creator=creator).count(),
        "transactions": Transaction.objects.filter(creator=creator).count(),
        "all creators' messages": Message.objects.count(),
    }
    print(f"{connection.vendor}: creator {BENCH_SLUG}: {sizes}")
    # 5 queries: the monthly bound decided the top fans; 6: the full aggregation had to.
    print(f"  top-fan candidates per month: {fan_queries.TOP_FAN_CANDIDATES}")
    for window in args.windows.split(","):
        overview(creator=creator, window=window)  # warm the connection and the page cache
        with CaptureQueriesContext(connection) as queries:
            result = overview(creator=creator, window=window)
        timings, cpu = [], []
        for _ in range(args.runs):
            start, start_cpu = time.perf_counter(), time.process_time()
            overview(creator=creator, window=window)
            timings.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        # CPU time of this process (SQLite runs in it; PostgreSQL's server work is not included):
        # tells the cost apart from waiting for a CPU on a busy machine.
        print(
            f"  window={window}: median {statistics.median(timings):.1f} ms "
            f"(min {min(timings):.1f}, max {max(timings):.1f}, {args.runs} runs; "
            f"median process CPU {statistics.median(cpu):.1f} ms), "
            f"{len(queries)} queries; revenue {result['metrics']['revenueMonthly']}, "
            f"subscribers {result['metrics']['activeSubscribers']}, top fan "
            f"{result['topFans'][0]['revenue'] if result['topFans'] else '-'}"
        )


if __name__ == "__main__":
    main()
