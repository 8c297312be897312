"""Reads of sign-in security: known sources, security events, sessions, for pages, the admin and
the metrics."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from crm.choices import AuthEventKind
from crm.models import AuthEvent, UserSession

FAILURE_KINDS = (AuthEventKind.SIGN_IN_FAILED, AuthEventKind.SIGN_IN_THROTTLED)


def address_signed_in_before(*, user, address: str) -> bool:
    """Did the account sign in from this address within the retention period?"""
    since = timezone.now() - timedelta(days=settings.AUTH_EVENT_RETENTION_DAYS)
    return AuthEvent.objects.filter(user=user, kind=AuthEventKind.SIGN_IN, address=address, at__gte=since).exists()


def sign_in_failure_counts(*, since: datetime | None = None) -> dict[tuple[str, str], int]:
    """Failed and refused (throttled) sign-in attempts kept, by (kind, surface), e.g.
    `{("sign_in_failed", "page"): 12, ("sign_in_throttled", "api"): 40}`; throttled rows count
    every attempt they fold. For the admin and the metrics."""
    rows = AuthEvent.objects.filter(kind__in=FAILURE_KINDS)
    if since is not None:
        rows = rows.filter(at__gte=since)
    totals = rows.values("kind", "surface").annotate(attempts=Sum("count")).order_by("kind", "surface")
    return {(row["kind"], row["surface"]): row["attempts"] for row in totals}


def auth_events_of_user(*, user, limit: int = 10) -> list[AuthEvent]:
    """The account's latest security events (its settings page)."""
    return list(AuthEvent.objects.filter(user=user).order_by("-at", "-id")[:limit])


def user_sessions_active(*, user) -> list[UserSession]:
    """The user's signed-in browser sessions that have neither expired nor been ended by a
    password change (their auth hash no longer matches), newest sign-in first."""
    return list(
        UserSession.objects.filter(user=user, expire_date__gt=timezone.now(), auth_hash=user.get_session_auth_hash())
        .only("session_key", "user_id", "signed_in_at", "address", "user_agent", "expire_date")
        .order_by("-signed_in_at", "session_key")
    )
