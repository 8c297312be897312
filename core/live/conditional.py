"""Conditional polling, the fallback without a stream: a page that shows a feed answers
`If-None-Match` with 304 while the feed has not moved since the page was drawn."""

import hashlib

from django.http import HttpResponseNotModified
from django.utils.http import parse_etags


def feed_etag(*parts) -> str:
    """A strong ETag over what decides the page: its path and query, the viewer, the cursor."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:32]
    return f'"{digest}"'


def not_modified(request, etag: str):
    """The 304 for a script that already has this version of the page, else None."""
    given = request.META.get("HTTP_IF_NONE_MATCH")
    if given and (etag in parse_etags(given) or given.strip() == "*"):
        response = HttpResponseNotModified()
        response["ETag"] = etag
        return response
    return None
