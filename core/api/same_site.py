"""The same-site write check of cookie-authenticated API requests.

A browser sends cookies on its own, so a write authenticated by a cookie must also prove it was
not forged by another site. Tokens and keys in headers need no such proof (a foreign page cannot
set them).
"""

from urllib.parse import urlsplit

from django.conf import settings
from rest_framework import exceptions

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The only content types a cross-site page can send without a CORS preflight.
CORS_SIMPLE_CONTENT_TYPES = frozenset(
    {"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}
)


def _origin_is_ours(request, origin: str) -> bool:
    parts = urlsplit(origin)
    if not parts.scheme or not parts.netloc:
        return False
    if parts.netloc == request.get_host() and parts.scheme == request.scheme:
        return True
    return origin in settings.CSRF_TRUSTED_ORIGINS


def enforce_same_site_write(request) -> None:
    """Refuse a cookie-authenticated write that a cross-site page could have sent.

    - A browser marks cross-site requests with `Sec-Fetch-Site: cross-site` and a foreign
      `Origin`; either refuses the write.
    - A cross-site page can only send a form-like body without a preflight (which we never
      grant), so a cookie-authenticated write must not carry one: the seed's
      `fetch(..., {credentials: 'include', headers: {'Content-Type': 'application/json'}})`
      passes, an HTML form post does not.
    """
    if request.method in SAFE_METHODS:
        return
    if request.META.get("HTTP_SEC_FETCH_SITE", "") == "cross-site":
        raise exceptions.PermissionDenied("Cross-site request refused")
    origin = request.META.get("HTTP_ORIGIN")
    if origin is not None and not _origin_is_ours(request, origin):
        raise exceptions.PermissionDenied("Cross-site request refused")
    content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    if content_type in CORS_SIMPLE_CONTENT_TYPES:
        raise exceptions.PermissionDenied("Cookie-authenticated writes must send JSON")
