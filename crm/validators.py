"""The value rules of writes, written once: a fan's email and phone, a list of tag names, a
transaction's date.

crm.services applies them to every write, whatever the entry point (pages, both APIs, admin,
contact form, webhooks, commands); a face that must answer before any write (the contact form)
uses the same validators on its fields. Each surface renders the refusal its own way: a field
error on the pages and in the admin, "Invalid phone" on the APIs.
"""

from datetime import UTC, date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils import timezone

EMAIL_MAX_LENGTH = 254
PHONE_MAX_LENGTH = 32
PHONE_MIN_DIGITS = 5
PHONE_CHARACTERS = frozenset("+0123456789 ()-.")
INVALID_EMAIL = "Enter a valid email address."
INVALID_PHONE = "Enter a valid phone number."

MAX_TAGS = 50
MAX_TAG_LENGTH = 64
TAG_LIMITS = f"At most {MAX_TAGS} tags of at most {MAX_TAG_LENGTH} characters"

_email_validator = EmailValidator(message=INVALID_EMAIL)


def validate_email(value: str) -> None:
    """An address Django's EmailValidator accepts (forms pair it with max_length=254)."""
    _email_validator(value)


def validate_phone(value: str) -> None:
    """Digits with the usual punctuation (`+`, spaces, `()-.`), at least five digits, at most 32."""
    if (
        len(value) > PHONE_MAX_LENGTH
        or not set(value) <= PHONE_CHARACTERS
        or sum(c.isdigit() for c in value) < PHONE_MIN_DIGITS
    ):
        raise ValidationError(INVALID_PHONE, code="invalid")


def clean_email(value: str | None) -> str:
    """The stored form of an email: trimmed, as typed otherwise; "" for none. Matching is by a
    hash of the lower-cased address (core.crypto.email_hash), so case never splits a fan."""
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) > EMAIL_MAX_LENGTH:  # RFC 5321's limit on a path
        raise ValidationError(INVALID_EMAIL, code="invalid")
    validate_email(value)
    return value


def clean_phone(value: str | None) -> str:
    """The stored form of a phone number: trimmed, as typed otherwise; "" for none."""
    value = (value or "").strip()
    if value:
        validate_phone(value)
    return value


def is_email(term: str) -> bool:
    try:
        return bool(clean_email(term))
    except ValidationError:
        return False


def is_phone(term: str) -> bool:
    try:
        return bool(clean_phone(term))
    except ValidationError:
        return False


def clean_tag_names(names) -> list[str]:
    """Tag names trimmed, blanks dropped, duplicates collapsed (first spelling kept, in order);
    at most 50 of them, each at most 64 characters."""
    wanted = list(dict.fromkeys(name.strip() for name in names if name and name.strip()))
    if len(wanted) > MAX_TAGS or any(len(name) > MAX_TAG_LENGTH for name in wanted):
        raise ValidationError(TAG_LIMITS, code="limit")
    return wanted


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


def end_of_day_utc(day: date) -> datetime:
    """A date as the aware end of that day (UTC): a token valid "until the 5th" (forms, commands)."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)
