"""Concurrent writers never lose a summary increment (INSERT ... ON CONFLICT DO UPDATE)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection

from analytics.models import HourlyMessaging, HourlyRevenue
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
