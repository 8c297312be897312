"""Migration 0002 fills the new links and FanMonthlyPaid from the rows already there."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from analytics import services as analytics_services
from tests.analytics.builders import NOW, fan, pay, say, thread
from tests.analytics.test_summaries import snapshot
from tests.factories import CreatorFactory

BEFORE = [("analytics", "0001_initial")]
AFTER = [("analytics", "0002_fan_links_and_monthly_paid")]


@pytest.mark.django_db(transaction=True)
def test_0002_backfills_what_a_rebuild_computes():
    creator = CreatorFactory()
    for name in ("a", "b"):
        who = fan(creator, name, opening_balance_cents=100)
        conversation = thread(who)
        for hours in (30, 2, 17, 2, 90 * 24):
            at = NOW - timedelta(hours=hours, minutes=3)
            pay(who, "subscription", 400, at)
            pay(who, "refund", 50, at)
            say(conversation, "in", at)
    expected = snapshot()
    assert expected["FanMonthlyPaid"] and expected["FanHourlySubscription"]

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)  # drops the links and the table
    executor.loader.build_graph()
    executor.migrate(AFTER)
    assert snapshot() == expected
    analytics_services.analytics_rebuild()
    assert snapshot() == expected
