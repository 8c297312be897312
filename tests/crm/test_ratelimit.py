"""core.ratelimit: counting a hit and peeking at a budget without counting."""

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from core import ratelimit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_counters():
    cache.clear()
    yield
    cache.clear()


def test_peek_counts_nothing_and_is_exceeded_once_no_hit_is_left():
    request = RequestFactory().post("/auth/login")
    key = ratelimit.account_key(" Ana@Example.com ")
    assert key == "account:ana@example.com"

    for _ in range(5):
        usage = ratelimit.peek(request, group="g", key=key, rate="2/5m")
    assert (usage.limit, usage.remaining, usage.exceeded) == (2, 2, False)

    first = ratelimit.per_account(request, group="g", account="ana@example.com", rate="2/5m")
    assert (first.remaining, first.exceeded) == (1, False)
    assert ratelimit.peek(request, group="g", key=key, rate="2/5m").exceeded is False

    second = ratelimit.hit(request, group="g", key=key, rate="2/5m")
    assert (second.remaining, second.exceeded) == (0, False)  # the last allowed hit
    peeked = ratelimit.peek(request, group="g", key=key, rate="2/5m")
    assert (peeked.remaining, peeked.exceeded) == (0, True)  # but none is left
    assert ratelimit.hit(request, group="g", key=key, rate="2/5m").exceeded is True


def test_disabled_rate_limits_are_never_exceeded(settings):
    settings.RATELIMIT_ENABLE = False
    request = RequestFactory().post("/auth/login")
    for _ in range(3):
        assert not ratelimit.hit(request, group="g", key="k", rate="1/5m").exceeded
    assert not ratelimit.peek(request, group="g", key="k", rate="1/5m").exceeded
