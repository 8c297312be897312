"""Concurrent writers never lose a summary increment (INSERT ... ON CONFLICT DO UPDATE)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection

from analytics.models import FanHourlyActivity, FanHourlySubscription, HourlyMessaging, HourlyRevenue
from crm import services
from tests.analytics.builders import NOW
from tests.factories import CreatorFactory


@pytest.mark.django_db(transaction=True)
def test_parallel_writers_keep_exact_counts():
    creator = CreatorFactory()
    fans = [services.fan_create(creator=creator, platform="onlyfans", name=f"f{k}") for k in range(4)]
    threads_of = {fan.pk: services.conversation_open(fan=fan)[0] for fan in fans}
    moment = NOW - timedelta(minutes=30)  # every write lands in the same summary rows
    errors = []
    per_writer = 10

    def writer(fan):
        try:
            for _ in range(per_writer):
                services.message_add(
                    conversation=threads_of[fan.pk], direction="out", created_at=moment, sent_by_ai=True
                )
                services.transaction_record(fan=fan, kind="tip", amount_cents=3, occurred_at=moment)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=writer, args=(fan,)) for fan in fans]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    row = HourlyMessaging.objects.get(creator=creator)
    assert (row.outgoing, row.outgoing_ai) == (40, 40)
    revenue = HourlyRevenue.objects.get(creator=creator)
    assert (revenue.revenue_cents, revenue.transactions) == (3 * 40, 40)


@pytest.mark.django_db(transaction=True)
def test_parallel_writers_of_one_fan_keep_the_links_in_time_order():
    """Two conversations of one fan write interleaved hours at once; each new row reads the fan's
    latest earlier row, so without the fan's lock one writer would miss the other's row."""
    creator = CreatorFactory()
    fan = services.fan_create(creator=creator, platform="onlyfans", name="busy")
    conversations = [services.conversation_open(fan=fan, reuse=False)[0] for _ in range(2)]
    errors = []

    def writer(k):
        try:
            for step in range(12):
                hours = 2 * step + k  # one writer the even hours, the other the odd ones
                at = NOW - timedelta(days=3) + timedelta(hours=hours, minutes=5)
                services.message_add(conversation=conversations[k], direction="in", created_at=at)
                services.transaction_record(fan=fan, kind="subscription", amount_cents=5, occurred_at=at)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=writer, args=(k,)) for k in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    for model in (FanHourlyActivity, FanHourlySubscription):
        rows = list(model.objects.filter(fan=fan).order_by("hour").values_list("hour", "previous_hour"))
        assert len(rows) == 24
        assert [previous for _, previous in rows] == [None] + [hour for hour, _ in rows[:-1]]
