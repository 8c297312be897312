"""Value rules shared by every entry point of a write (API serializers, page forms, the admin) and
enforced again by the service, so a later import or command cannot bypass them."""

from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

# The ledger's plausible dates: nothing before this system's platforms existed, nothing dated
# further ahead than a time-zone slip. Year 143 or 9999 is a typo or a bug, never a payment.
OCCURRED_AT_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
OCCURRED_AT_AHEAD = timedelta(days=1)


def occurred_at_latest() -> datetime:
    return timezone.now() + OCCURRED_AT_AHEAD


def validate_occurred_at(value: datetime | None) -> None:
    """A transaction's date lies between 2000-01-01 and a day from now (None: now, accepted)."""
    if value is None:
        return
    if not isinstance(value, datetime):
        raise ValidationError("Enter a date and time.", code="invalid")
    if timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    if not OCCURRED_AT_EARLIEST <= value <= occurred_at_latest():
        raise ValidationError(
            "Enter a date between 2000-01-01 and tomorrow.", code="invalid", params={"value": value}
        )
