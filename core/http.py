"""Response header helpers shared by the pages and both API surfaces."""

from django.utils.cache import add_never_cache_headers


def no_store(response):
    """`Cache-Control: no-store` (Django's never-cache set), unless the response already forbids
    storing (private downloads send their own `private, no-store`, kept as they are)."""
    if "no-store" not in response.get("Cache-Control", ""):
        add_never_cache_headers(response)
    return response
