"""Shared set-up for the analytics benchmarks: which database, and Django itself.

`--db sqlite` uses the file var/bench-analytics.sqlite3; `--db postgres` uses DATABASE_URL (the
`make bench-analytics` target starts a throwaway cluster and sets it, see scripts/pg-throwaway).
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQLITE_PATH = ROOT / "var" / "bench-analytics.sqlite3"
BENCH_SLUG = "bench-analytics"


def setup_django(db: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    if db == "sqlite":
        os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE_PATH}"
    elif db == "postgres":
        if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
            sys.exit("--db postgres needs DATABASE_URL=postgres://... (or run: make bench-analytics)")
    else:
        sys.exit(f"unknown --db {db!r}: sqlite or postgres")
    import django

    django.setup()
