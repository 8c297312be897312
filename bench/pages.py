"""Benchmark: the creator pages at 100,000 fans, through the full middleware and template stack.

    .venv/bin/python bench/pages.py [--fans 100000] [--conversations 20000] [--thread 5000] [--runs 25]

Builds (once) a separate SQLite database, var/bench-pages.sqlite3 (or DATABASE_URL when set),
with one creator holding `--fans` fans (tagged, valued, half of them with a last activity),
`--conversations` conversations (a third unread) and one thread of `--thread` messages, plus a
fan with 2,000 transactions. Then times each page in-process with a logged-in client (median of
`--runs`), including a page deep in the list reached by keyset cursor, and prints the query
count of one request.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-pages.sqlite3'}")
os.environ.setdefault("DJANGO_DEBUG", "False")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from core.page_cursors import encode_cursor  # noqa: E402
from crm import selectors, services  # noqa: E402
from crm.choices import Direction, Platform, TransactionKind  # noqa: E402
from crm.models import Conversation, Creator, Fan, Message, Transaction  # noqa: E402

BATCH = 5000
SLUG = "bench-pages"
PLATFORMS = [Platform.ONLYFANS, Platform.FANSLY, Platform.PATREON, Platform.INSTAGRAM]


def build(fans: int, conversations: int, thread: int) -> Creator:
    creator = services.creator_create(slug=SLUG, email="bench-pages@example.com", password="bench-pages-pw")
    tags = services.tags_resolve(creator=creator, names=["vip", "whale", "new", "regular"])
    now = timezone.now()
    made = 0
    while made < fans:
        size = min(BATCH, fans - made)
        Fan.objects.bulk_create(
            Fan(
                creator=creator,
                name=f"Fan {made + i}",
                platform=PLATFORMS[(made + i) % len(PLATFORMS)],
                platform_id=f"p{made + i}",
                handle=f"@fan{made + i}",
                value_cents=((made + i) * 7919) % 500_000,
                last_seen_at=now - timedelta(minutes=made + i) if (made + i) % 2 else None,
            )
            for i in range(size)
        )
        made += size
    fan_ids = list(Fan.objects.filter(creator=creator).order_by("id").values_list("id", flat=True))
    through = Fan.tags.through
    through.objects.bulk_create(
        (through(fan_id=fan_id, tag_id=tags[n % len(tags)].pk) for n, fan_id in enumerate(fan_ids)),
        batch_size=BATCH,
    )
    Conversation.objects.bulk_create(
        (
            Conversation(
                creator=creator,
                fan_id=fan_ids[n],
                platform=PLATFORMS[n % len(PLATFORMS)],
                unread_count=(n % 3 == 0) * (1 + n % 4),
                message_count=1 + n % 9,
                last_message_at=now - timedelta(seconds=n * 37),
            )
            for n in range(conversations)
        ),
        batch_size=BATCH,
    )
    busy = Conversation.objects.filter(creator=creator).order_by("id").first()
    Message.objects.bulk_create(
        (
            Message(
                conversation=busy, creator=creator, fan_id=busy.fan_id,
                direction=Direction.INCOMING if n % 2 else Direction.OUTGOING,
                text=f"Message number {n} of a long thread", created_at=now - timedelta(minutes=thread - n),
            )
            for n in range(thread)
        ),
        batch_size=BATCH,
    )
    rich = Fan.objects.get(pk=fan_ids[1])
    Transaction.objects.bulk_create(
        (
            Transaction(
                creator=creator, fan=rich, kind=TransactionKind.TIP, amount_cents=500,
                platform=rich.platform, occurred_at=now - timedelta(hours=n),
            )
            for n in range(2000)
        ),
        batch_size=BATCH,
    )
    return creator


def timed(client: Client, url: str, runs: int) -> tuple[float, int]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    # Read now: the captured list is a view of the log, which the next request empties.
    query_count = len(queries.captured_queries)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), query_count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fans", type=int, default=100_000)
    parser.add_argument("--conversations", type=int, default=20_000)
    parser.add_argument("--thread", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=25)
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["testserver"]

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    creator = Creator.objects.filter(slug=SLUG).first()
    if creator is None:
        started = time.perf_counter()
        creator = build(args.fans, args.conversations, args.thread)
        print(f"built data in {time.perf_counter() - started:.0f} s")
    client = Client()
    client.force_login(creator.user)

    value = selectors.FAN_SORTS["value"][1]
    activity = selectors.FAN_SORTS["activity"][1]
    fans = Fan.objects.filter(creator=creator)
    middle = fans.order_by(*value.order_by())[fans.count() // 2]
    deep_null = fans.filter(last_seen_at__isnull=True).order_by("-id")[1000]
    busy = Conversation.objects.filter(creator=creator).order_by("id").first()
    rich = Fan.objects.filter(creator=creator).order_by("id")[1]
    pages = [
        ("fans, by activity, page 1", "/fans/"),
        ("fans, by value, page 1", "/fans/?sort=value"),
        ("fans, by value, middle (cursor)", f"/fans/?sort=value&after={encode_cursor(value, middle)}"),
        ("fans, by activity, among never-active", f"/fans/?after={encode_cursor(activity, deep_null)}"),
        ("fans, search 'Fan 4999'", "/fans/?q=Fan+4999"),
        ("fans, tag whale + platform fansly", "/fans/?tag=whale&platform=fansly"),
        ("fans, tag vip + platform fansly (no match)", "/fans/?tag=vip&platform=fansly"),
        ("inbox, unread first", "/inbox/"),
        ("inbox, by last activity", "/inbox/?sort=recent"),
        (f"thread of {busy.messages.count():,} messages", f"/inbox/{busy.pk}/"),
        ("fan page (2,000 transactions)", f"/fans/{rich.pk}/"),
        ("settings", "/settings/"),
    ]
    print(f"{'page':42} {'median ms':>10} {'queries':>8}")
    for label, url in pages:
        median, queries = timed(client, url, args.runs)
        print(f"{label:42} {median:10.1f} {queries:8d}")


if __name__ == "__main__":
    main()
