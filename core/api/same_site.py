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


def has_body(request) -> bool:
    """A request body announced by its length or by chunked transfer."""
    if request.META.get("HTTP_TRANSFER_ENCODING"):
        return True
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > 0
    except ValueError:
        return True  # a malformed length: judged as a body (the middleware refuses it first)


def enforce_same_site_write(request) -> None:
    """Refuse a cookie-authenticated write that a cross-site page could have sent.

    - A browser marks cross-site requests with `Sec-Fetch-Site: cross-site` and a foreign
      `Origin`; either refuses the write.
    - A cross-site page can only send a form-like body without a preflight (which we never
      grant), so a cookie-authenticated write must not carry one: the seed's
      `fetch(..., {credentials: 'include', headers: {'Content-Type': 'application/json'}})`
      passes, an HTML form post does not. The content type is judged when there is a body, and
      on every POST (a cross-site form can post an empty one); a PUT, PATCH or DELETE without a
      body has no content type to judge (runserver reports a missing one as `text/plain`), and
      a cross-site page cannot send one of those methods without the preflight anyway.
    """
    if request.method in SAFE_METHODS:
        return
    if request.META.get("HTTP_SEC_FETCH_SITE", "") == "cross-site":
        raise exceptions.PermissionDenied("Cross-site request refused")
    origin = request.META.get("HTTP_ORIGIN")
    if origin is not None and not _origin_is_ours(request, origin):
        raise exceptions.PermissionDenied("Cross-site request refused")
    if request.method != "POST" and not has_body(request):
        return
    content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    if content_type in CORS_SIMPLE_CONTENT_TYPES:
        raise exceptions.PermissionDenied("Cookie-authenticated writes must send JSON")
