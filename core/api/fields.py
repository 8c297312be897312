"""Strict serializer fields for the JSON APIs: a value of the wrong JSON type is invalid.

DRF's stock fields coerce (`"5"` → 5, `5` → `"5"`, `"yes"` → True); a client that sends the
wrong type has a bug we should tell it about, so these refuse it ("Invalid <field>").
"""

from datetime import UTC

from rest_framework import serializers
from rest_framework.fields import empty

from core.lookups import MAX_ID

# Money and ids are stored in signed 64-bit columns; anything larger cannot be a real value.
MAX_BIGINT = MAX_ID


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictCharField(serializers.CharField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class RequiredBooleanField(serializers.BooleanField):
    """A boolean the body must carry, JSON or form-encoded alike.

    DRF reads a boolean missing from a form body (a QueryDict) as False, as a browser omits an
    unchecked checkbox; an API client that leaves it out has said nothing, so it is "required".
    """

    default_empty_html = empty


class StrictDateTimeField(serializers.DateTimeField):
    """An ISO 8601 string; a naive one is taken as UTC."""

    def to_internal_value(self, value):
        if not isinstance(value, str):
            self.fail("invalid", format="ISO 8601")
        try:
            return super().to_internal_value(value)
        except (OverflowError, ValueError):
            # Offsets that push a date past datetime's range.
            self.fail("invalid", format="ISO 8601")

    def default_timezone(self):
        return UTC


def iso_utc(value) -> str | None:
    """ISO 8601 in UTC with second precision and `Z`, whatever the active time zone."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class UtcDateTimeField(serializers.DateTimeField):
    """Output-only timestamps: `2025-10-31T10:00:00Z`."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return iso_utc(value)


def tag_list_field(**kwargs) -> serializers.ListField:
    """A list of tag names (strings of 1–64 characters, at most 50 of them)."""
    return serializers.ListField(
        child=StrictCharField(max_length=64, allow_blank=False), max_length=50, **kwargs
    )
