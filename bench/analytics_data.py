"""Generate the analytics benchmark data set with bulk inserts, then rebuild the summaries.

One creator (slug `bench-analytics`) with --fans fans (one conversation each), --messages messages
and --transactions transactions spread over the last --days days, plus --others creators with
--other-share of that volume each. Rows go in with executemany (SQLite) or COPY (PostgreSQL),
not through the services, then `analytics_rebuild()` computes the summaries from the raw rows
(the same code path as `manage.py rebuild_analytics`).

    python bench/analytics_data.py --db sqlite            # full scale (100k / 1M / 300k)
    python bench/analytics_data.py --db sqlite --scale 0.01
"""

import argparse
import random
import time
from datetime import UTC, datetime, timedelta

from analytics_common import BENCH_SLUG, setup_django

PLATFORMS = ["onlyfans", "fansly", "patreon", "instagram", "tiktok"]
KINDS = ["subscription"] * 40 + ["tip"] * 30 + ["ppv"] * 20 + ["other"] * 5 + ["refund"] * 5


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", default="sqlite", choices=["sqlite", "postgres"])
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies the three volumes")
    parser.add_argument("--fans", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--transactions", type=int, default=300_000)
    parser.add_argument("--days", type=int, default=400)
    parser.add_argument("--others", type=int, default=3, help="other creators beside the benchmarked one")
    parser.add_argument("--other-share", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


class Writer:
    """Bulk rows into a table: COPY on PostgreSQL, executemany in batches elsewhere."""

    def __init__(self, connection):
        self.connection = connection
        self.postgres = connection.vendor == "postgresql"

    def ts(self, moment):
        return moment if self.postgres else self.connection.ops.adapt_datetimefield_value(moment)

    def write(self, table: str, columns: list[str], rows) -> int:
        qn = self.connection.ops.quote_name
        cols = ", ".join(qn(c) for c in columns)
        count = 0
        with self.connection.cursor() as cursor:
            if self.postgres:
                with cursor.cursor.copy(f"COPY {qn(table)} ({cols}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                        count += 1
                return count
            sql = f"INSERT INTO {qn(table)} ({cols}) VALUES ({', '.join(['%s'] * len(columns))})"
            batch = []
            for row in rows:
                batch.append(row)
                if len(batch) >= 20_000:
                    cursor.executemany(sql, batch)
                    count += len(batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
                count += len(batch)
        return count


def make_creator(slug: str, tz: str):
    from crm import services
    from crm.models import Creator

    Creator.objects.filter(slug=slug).delete()
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(username=slug).delete()
    return services.creator_create(
        slug=slug, email=f"{slug}@bench.invalid", password="bench-password-123", timezone_name=tz
    )


def populate(writer: Writer, creator, *, fans: int, messages: int, transactions: int, days: int, now, rng):
    from django.db import connection

    start = now - timedelta(days=days)
    span = days * 86400

    def moment():
        return start + timedelta(seconds=rng.random() * span)

    fan_rows = (
        (
            creator.pk,
            f"Fan {creator.pk}-{i}",
            PLATFORMS[i % len(PLATFORMS)],
            f"{creator.pk}-{i}",
            f"@fan_{creator.pk}_{i}",
            "",
            "",
            "",
            "",
            "",
            0,
            "pending",
            "unscreened",
            "none",
            "",
            writer.ts(moment()),
            writer.ts(now),
        )
        for i in range(fans)
    )
    writer.write(
        "crm_fan",
        [
            "creator_id",
            "name",
            "platform",
            "platform_id",
            "handle",
            "client_identifier",
            "email",
            "phone",
            "email_hash",
            "phone_hash",
            "value_cents",
            "screening_status",
            "client_category",
            "subscription_status",
            "notes",
            "created_at",
            "updated_at",
        ],
        fan_rows,
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, platform FROM crm_fan WHERE creator_id = %s ORDER BY id", [creator.pk])
        fan_list = cursor.fetchall()
    writer.write(
        "crm_conversation",
        [
            "creator_id",
            "fan_id",
            "platform",
            "subject",
            "is_archived",
            "unread_count",
            "message_count",
            "created_at",
            "updated_at",
        ],
        (
            (creator.pk, fan_id, platform, "", False, 0, 0, writer.ts(now), writer.ts(now))
            for fan_id, platform in fan_list
        ),
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT fan_id, id FROM crm_conversation WHERE creator_id = %s", [creator.pk])
        conversation_of = dict(cursor.fetchall())

    # A skewed choice of fans, so that top fans stand out as they do in real data.
    def some_fan():
        return fan_list[
            min(int(rng.paretovariate(1.2)) - 1, len(fan_list) - 1)
            if rng.random() < 0.2
            else rng.randrange(len(fan_list))
        ]

    def message_rows():
        for _ in range(messages):
            fan_id, _platform = some_fan()
            outgoing = rng.random() < 0.5
            yield (
                conversation_of[fan_id],
                creator.pk,
                fan_id,
                "out" if outgoing else "in",
                "text",
                "",
                "",
                "",
                "",
                0,
                outgoing and rng.random() < 0.7,
                (rng.randrange(5, 7200) if rng.random() < 0.8 else None) if outgoing else None,
                writer.ts(moment()),
            )

    writer.write(
        "crm_message",
        [
            "conversation_id",
            "creator_id",
            "fan_id",
            "direction",
            "message_type",
            "text",
            "attachment",
            "attachment_name",
            "attachment_content_type",
            "price_cents",
            "sent_by_ai",
            "response_seconds",
            "created_at",
        ],
        message_rows(),
    )

    def transaction_rows():
        for _ in range(transactions):
            fan_id, platform = some_fan()
            yield (
                creator.pk,
                fan_id,
                rng.choice(KINDS),
                rng.randrange(300, 6000),
                platform if rng.random() < 0.8 else rng.choice(PLATFORMS),
                writer.ts(moment()),
                writer.ts(now),
            )

    writer.write(
        "crm_transaction",
        ["creator_id", "fan_id", "kind", "amount_cents", "platform", "occurred_at", "created_at"],
        transaction_rows(),
    )
    # The counters crm.services would have kept: conversations' message counts, lifetime value.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE crm_conversation SET message_count = (SELECT COUNT(*) FROM crm_message m "
            "WHERE m.conversation_id = crm_conversation.id) WHERE creator_id = %s",
            [creator.pk],
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE crm_fan SET value_cents = COALESCE((SELECT SUM(CASE WHEN t.kind = 'refund' "
            "THEN -t.amount_cents ELSE t.amount_cents END) FROM crm_transaction t WHERE t.fan_id = crm_fan.id), 0) "
            "WHERE creator_id = %s",
            [creator.pk],
        )


def main():
    args = parse_args()
    setup_django(args.db)
    from django.core.management import call_command
    from django.db import connection, transaction

    from analytics.services import analytics_rebuild
    from crm.models import Tag

    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    now = datetime.now(UTC)
    writer = Writer(connection)
    volumes = {
        "fans": int(args.fans * args.scale),
        "messages": int(args.messages * args.scale),
        "transactions": int(args.transactions * args.scale),
    }
    t0 = time.monotonic()
    with transaction.atomic():
        creator = make_creator(BENCH_SLUG, "America/New_York")
        populate(writer, creator, days=args.days, now=now, rng=rng, **volumes)
        vip = Tag.objects.create(creator=creator, name="vip")
        vip.fans.add(*creator.fans.order_by("id").values_list("id", flat=True)[:50])
        for k in range(args.others):
            other = make_creator(f"{BENCH_SLUG}-other-{k}", "Europe/Paris")
            populate(
                writer,
                other,
                days=args.days,
                now=now,
                rng=rng,
                **{name: max(1, int(v * args.other_share)) for name, v in volumes.items()},
            )
    t1 = time.monotonic()
    analytics_rebuild()
    t2 = time.monotonic()
    # Planner statistics (and PostgreSQL's visibility map), as autovacuum would leave them.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    print(
        f"{args.db}: {volumes} for '{BENCH_SLUG}' (+{args.others} others at {args.other_share:g}) "
        f"inserted in {t1 - t0:.1f}s; summaries rebuilt in {t2 - t1:.1f}s"
    )


if __name__ == "__main__":
    main()
