"""Who may read /metrics: a bearer token (METRICS_TOKEN), or a client address inside
METRICS_ALLOWED_CIDRS (the real client address, resolved as the rate limiter does with
TRUSTED_PROXY_COUNT). With neither configured, only a direct request from loopback, and only
where METRICS_ALLOW_LOOPBACK is on (local settings). Everyone else gets the site's 404."""

import hmac
import ipaddress
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from core.ratelimit import client_ip

# Headers a proxy adds: a request carrying one did not come straight from this machine.
_FORWARDED_META = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


@cache
def _networks(cidrs: tuple[str, ...]) -> tuple:
    try:
        return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)
    except ValueError as exc:
        raise ImproperlyConfigured(f"METRICS_ALLOWED_CIDRS: {exc}")


def _token_matches(request) -> bool:
    token = settings.METRICS_TOKEN
    scheme, _, given = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if not token or scheme.lower() != "bearer" or not given:
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def _address_allowed(request, networks) -> bool:
    try:
        address = ipaddress.ip_address(client_ip(request))
    except ValueError:
        return False
    return any(address in network for network in networks)


def _direct_loopback(request) -> bool:
    try:
        remote = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return remote.is_loopback and not any(request.META.get(name) for name in _FORWARDED_META)


def metrics_allowed(request) -> bool:
    if _token_matches(request):
        return True
    networks = _networks(tuple(settings.METRICS_ALLOWED_CIDRS))
    if networks and _address_allowed(request, networks):
        return True
    if not settings.METRICS_TOKEN and not networks:
        return settings.METRICS_ALLOW_LOOPBACK and _direct_loopback(request)
    return False
