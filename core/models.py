"""core's one model lives with its machinery (core.live); Django finds models here."""

from core.live.models import FeedEvent  # noqa: F401
