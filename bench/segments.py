"""Segments and mass messages at scale (docs/PERFORMANCE.md, "Campaigns").

    ./scripts/pg-throwaway .venv/bin/python bench/segments.py
    .venv/bin/python bench/segments.py            # SQLite: var/bench-segments.sqlite3

Builds (once) one creator with 100,000 fans (four platforms, tags, spend, activity, consent,
do-not-contact), 200,000 transactions over 120 days and a conversation for every fan on
Instagram. Then:

1. the live count of several segments (median of --runs), the plan of the heaviest;
2. a mass message to 10,000 reachable Instagram fans: time to create its recipients, time and
   queries per recipient to create their messages (the runner's steps, throttle lifted), and
   delivery throughput of those messages against the fake Graph server (tests/fake_graph.py),
   sent by the delivery path (webhooks.delivery.send) one after the other as one worker does.
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
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-segments.sqlite3'}")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from crm import campaigns, services  # noqa: E402
from crm.choices import Platform, RecipientStatus  # noqa: E402
from crm.models import Conversation, Creator, Fan, MassMessage, Message, PlatformAccount, Segment, Transaction  # noqa: E402

FANS = 100_000
BATCH = 5000
SLUG = "bench-segments"
PLATFORMS = [Platform.INSTAGRAM, Platform.ONLYFANS, Platform.FANSLY, Platform.DIRECT]
SEGMENTS = {
    "spent over $100": {"spend_min": "10000"},
    "spent over $100 in 30 days, inactive for a week": {"spent_recent_min": "10000", "spent_days": "30", "inactive_days": "7"},
    "tags vip and loyal, not new": {"tags_all": "vip,loyal", "tags_none": "new"},
    "instagram, consent, contactable, open conversation": {
        "platform": "instagram", "consent": "true", "do_not_contact": "false", "has_open_conversation": "true",
    },
    "active subscribers, last active in 2 days": {"subscription_status": "active", "last_active_after": "{recent}"},
}


def build() -> Creator:
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    creator = Creator.objects.filter(slug=SLUG).first()
    if creator is not None:
        return creator
    started = time.perf_counter()
    creator = services.creator_create(slug=SLUG, email="bench-segments@example.com", password="bench-segments-pw")
    tags = services.tags_resolve(creator=creator, names=["vip", "loyal", "new", "whale"])
    now = timezone.now()
    for start in range(0, FANS, BATCH):
        fans = Fan.objects.bulk_create(
            Fan(
                creator=creator,
                name=f"Fan {i}",
                platform=PLATFORMS[i % 4],
                platform_id=f"1784{i:011d}",
                value_cents=(i * 7919) % 40_000,
                last_seen_at=now - timedelta(hours=(i * 37) % (24 * 60)),
                subscription_status="active" if i % 5 == 0 else "none",
                consent_source="contact_form" if i % 3 else "",
                do_not_contact=i % 50 == 0,
            )
            for i in range(start, min(start + BATCH, FANS))
        )
        if fans[0].pk is None:
            fans = list(Fan.objects.filter(creator=creator, platform_id__in=[f.platform_id for f in fans]))
        through = Fan.tags.through
        through.objects.bulk_create(
            [through(fan_id=f.pk, tag_id=tags[f.pk % 4].pk) for f in fans]
            + [through(fan_id=f.pk, tag_id=tags[(f.pk + 1) % 4].pk) for f in fans if f.pk % 3 == 0]
        )
        Transaction.objects.bulk_create(
            Transaction(
                creator=creator, fan_id=f.pk, kind="tip", platform=f.platform, amount_cents=(f.pk * 131) % 9000 + 100,
                occurred_at=now - timedelta(days=(f.pk * n * 13) % 120),
            )
            for f in fans
            for n in (1, 2)
        )
        Conversation.objects.bulk_create(
            Conversation(creator=creator, fan_id=f.pk, platform=f.platform, last_message_at=f.last_seen_at)
            for f in fans
            if f.platform == Platform.INSTAGRAM
        )
    with connection.cursor() as cursor:
        # VACUUM sets the visibility map as autovacuum would on a table at rest, so PostgreSQL can
        # answer from the covering indexes alone (index-only scans).
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    print(f"built {FANS} fans in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    return creator


def segment_counts(creator: Creator, runs: int) -> None:
    recent = (timezone.now() - timedelta(days=2)).isoformat()
    print("| segment | fans | count median |")
    print("|---|---|---|")
    heaviest = None
    for name, filters in SEGMENTS.items():
        filters = {k: v.replace("{recent}", recent) for k, v in filters.items()}
        segment, _ = Segment.objects.update_or_create(creator=creator, name=name, defaults={"filters": filters})
        count = campaigns.segment_count(segment=segment)
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            campaigns.segment_count(segment=segment)
            samples.append(time.perf_counter() - started)
        median = statistics.median(samples) * 1000
        heaviest = max(heaviest or (0, None), (median, segment), key=lambda pair: pair[0])
        print(f"| {name} | {count} | {median:.1f} ms |")
    options = {"analyze": True} if connection.vendor == "postgresql" else {}
    plan = campaigns.segment_fans(segment=heaviest[1]).order_by().explain(**options)
    print(f"\nplan of the heaviest ({heaviest[1].name}):\n{plan}")


def mass_message(creator: Creator, size: int) -> None:
    from django.test.utils import override_settings

    from tests import fake_graph

    server = fake_graph.start()
    overrides = override_settings(
        INSTAGRAM_GRAPH_URL=server.url,
        # Tasks are stored, not run: the steps and the sends are timed apart, below.
        TASKS={"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}},
        MASS_MESSAGE_RATE_PER_MINUTE=10**9,  # the throttle is not what is measured here
        MASS_MESSAGE_BATCH=500,
        MASS_MESSAGE_MAX_RECIPIENTS=max(settings.MASS_MESSAGE_MAX_RECIPIENTS, size),
    )
    overrides.enable()
    PlatformAccount.objects.update_or_create(
        creator=creator, platform=Platform.INSTAGRAM, external_account_id="17841400000000001",
        defaults={"access_token": "IGAAT-bench", "delivery_enabled": True},
    )
    # Reachable Instagram fans: in the 24-hour window, with consent, contactable.
    now = timezone.now()
    reachable = list(
        Fan.objects.filter(creator=creator, platform=Platform.INSTAGRAM, do_not_contact=False, last_seen_at__gte=now - timedelta(hours=23))
        .order_by("pk").values_list("pk", flat=True)[:size]
    )
    if len(reachable) < size:  # move enough into the window
        ids = list(Fan.objects.filter(creator=creator, platform=Platform.INSTAGRAM, do_not_contact=False).values_list("pk", flat=True)[:size])
        Fan.objects.filter(pk__in=ids).update(last_seen_at=now - timedelta(hours=1))
        reachable = ids
    started = time.perf_counter()
    mass = campaigns.mass_message_create(creator=creator, text="Hi {{ fan.name }}, new set tonight", fan_ids=reachable, price_cents=999)
    created = time.perf_counter() - started
    steps, queries = 0, 0
    started = time.perf_counter()
    # Counted by a wrapper, not CaptureQueriesContext: its log keeps only the last 9,000 queries.
    executed = []
    with connection.execute_wrapper(lambda execute, sql, params, many, context: executed.append(1) or execute(sql, params, many, context)):
        while campaigns.mass_message_step(mass_id=mass.pk) is not None:
            steps += 1
    queries = len(executed)
    messaging = time.perf_counter() - started
    messaged = mass.recipients.filter(status=RecipientStatus.MESSAGED).count()
    from webhooks.delivery import send

    message_ids = list(mass.recipients.exclude(message=None).values_list("message_id", flat=True))
    started = time.perf_counter()
    for message_id in message_ids:
        send(message_id)
    delivering = time.perf_counter() - started
    sent = Message.objects.filter(pk__in=message_ids, delivery_status="sent").count()
    print(f"\nmass message to {len(reachable)} fans on {connection.vendor}:")
    print(f"- recipients created: {created * 1000:.0f} ms")
    print(f"- messages created: {messaged} in {messaging:.1f} s ({messaged / messaging:.0f}/s), "
          f"{steps + 1} steps, {queries / max(1, messaged):.1f} queries per recipient")
    print(f"- delivered to the fake Graph server: {sent} in {delivering:.1f} s ({sent / delivering:.0f}/s, one worker)")
    MassMessage.objects.filter(pk=mass.pk).delete()
    Message.objects.filter(pk__in=message_ids).delete()
    server.close()
    overrides.disable()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--mass", type=int, default=10_000)
    args = parser.parse_args()
    settings.DEBUG = False
    creator = build()
    print(f"database: {connection.vendor}; fans: {Fan.objects.filter(creator=creator).count()}; "
          f"transactions: {Transaction.objects.filter(creator=creator).count()}")
    segment_counts(creator, args.runs)
    if args.mass:
        mass_message(creator, args.mass)


if __name__ == "__main__":
    main()
