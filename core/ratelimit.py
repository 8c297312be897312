"""Rate limits on counters shared by every server process (see settings.CACHES).

The mechanism only: a budget is a group, a key the caller chooses (a creator, an address, an
account) and a rate ("60/60s"). Which budgets exist is the callers' business (crm.api.base's
per-creator writes, crm.security.guard's sign-ins, the contact form's per-address limit).
"""

import ipaddress
import time
from dataclasses import dataclass

from django.conf import settings
from django_ratelimit.core import get_usage

from core.observability import metrics

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def client_ip(request) -> str:
    """REMOTE_ADDR, or the X-Forwarded-For entry appended by our outermost trusted proxy."""
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_COUNT
    if hops > 0:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= hops:
            candidate = forwarded[-hops]
            try:
                ipaddress.ip_address(candidate)
                return candidate
            except ValueError:
                pass
    return remote or "unknown"


@dataclass(frozen=True)
class Usage:
    limit: int
    remaining: int
    reset: int  # epoch seconds when the window ends
    exceeded: bool

    @property
    def retry_after(self) -> int:
        return max(1, self.reset - int(time.time()))

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }


def _usage(request, *, group: str, key: str, rate: str, increment: bool) -> Usage:
    usage = get_usage(request, group=group, key=lambda _group, _request: key, rate=rate, increment=increment)
    if usage is None:  # RATELIMIT_ENABLE = False
        return Usage(limit=0, remaining=0, reset=int(time.time()), exceeded=False)
    # A counted hit is over when it went past the limit; a peek when no hit is left.
    exceeded = usage["should_limit"] if increment else usage["count"] >= usage["limit"]
    if exceeded:  # every caller refuses an exceeded budget (429, or the page's own refusal)
        metrics.RATE_LIMIT_REFUSALS.labels(budget=group).inc()
    return Usage(
        limit=usage["limit"],
        remaining=max(0, usage["limit"] - usage["count"]),
        reset=int(time.time()) + int(usage["time_left"]),
        exceeded=exceeded,
    )


def hit(request, *, group: str, key: str, rate: str) -> Usage:
    """Count one hit of `key` in `group` and say whether it is over `rate` ("60/60s", "5/15m")."""
    return _usage(request, group=group, key=key, rate=rate, increment=True)


def per_address(request, *, group: str, rate: str) -> Usage:
    return hit(request, group=group, key=f"ip:{client_ip(request)}", rate=rate)


def per_account(request, *, group: str, account: str, rate: str) -> Usage:
    return hit(request, group=group, key=account_key(account), rate=rate)


def peek(request, *, group: str, key: str, rate: str) -> Usage:
    """The usage of `key` in `group` without counting a hit; exceeded when no hit is left.

    For budgets that count only failures (login per account): check first, count on failure.
    """
    return _usage(request, group=group, key=key, rate=rate, increment=False)


def account_key(account: str) -> str:
    return f"account:{account.strip().lower()}"
