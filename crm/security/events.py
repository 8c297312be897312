"""Writing account-security events (crm.models.AuthEvent)."""

from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import F
from django.utils import timezone

from core.ratelimit import Usage, client_ip
from crm.choices import AuthEventKind
from crm.models import AuthEvent


def _where(request) -> dict:
    if request is None:
        return {}
    return {
        "address": client_ip(request)[:45],
        "user_agent": request.META.get("HTTP_USER_AGENT", "")[:255],
    }


def auth_event_record(*, kind: str, request=None, user=None, surface: str = "", identifier: str = "") -> AuthEvent:
    return AuthEvent.objects.create(
        kind=kind,
        surface=surface,
        user=user if user is not None and user.pk else None,
        identifier=(identifier or "")[:254],
        at=timezone.now(),
        **_where(request),
    )


def auth_event_throttled(*, request, surface: str, usage: Usage, user=None, identifier: str = "") -> None:
    """A refused attempt. One address hammering one surface gets one row per window whose
    `count` grows, so a flood of refusals cannot flood the table."""
    key = f"authevent:throttled:{surface}:{client_ip(request)}:{usage.reset}"
    row_id = cache.get(key)
    if row_id is not None and AuthEvent.objects.filter(pk=row_id).update(count=F("count") + 1):
        return
    event = auth_event_record(
        kind=AuthEventKind.SIGN_IN_THROTTLED, request=request, user=user, surface=surface, identifier=identifier
    )
    cache.set(key, event.pk, timeout=usage.retry_after + 60)


def auth_events_purge(*, now=None) -> int:
    """Delete events older than AUTH_EVENT_RETENTION_DAYS; the number deleted."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.AUTH_EVENT_RETENTION_DAYS)
    deleted, _ = AuthEvent.objects.filter(at__lt=cutoff).delete()
    return deleted
