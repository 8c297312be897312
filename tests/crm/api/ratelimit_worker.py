"""A separate server process for test_rate_limit: POSTs fans with a JWT cookie, prints statuses.

Usage: python ratelimit_worker.py <database name> <access token> <label> <count>
The environment chooses the cache (REDIS_URL or the database cache) and WRITE_RATE_LIMIT.
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402


def main(database: str, token: str, label: str, count: int) -> None:
    # The test's database (test_<name> on PostgreSQL, the test file on SQLite).
    connections["default"].settings_dict["NAME"] = database
    client = Client()
    client.cookies["access_token"] = token
    statuses = []
    for i in range(count):
        body = {"name": f"{label} {i}", "platform": "onlyfans", "platform_id": f"{label}-{i}"}
        response = client.post("/api/crm/fans", json.dumps(body), content_type="application/json")
        statuses.append(response.status_code)
    print(json.dumps(statuses))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
