"""Serializer fields of both JSON APIs.

Inputs are strict: DRF's stock fields coerce (`"5"` → 5, `5` → `"5"`, `"yes"` → True); a client
that sends the wrong type has a bug we should tell it about, so these refuse it ("Invalid <field>").
Outputs render the contracts' conventions (second-precision `Z` timestamps, `null` for an empty
optional text, 0/1 booleans) and describe themselves to the OpenAPI schema.
"""

from datetime import UTC

from django.core.files.uploadedfile import UploadedFile
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

from core.lookups import MAX_ID, parse_id

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


def tag_list_field(*, max_tags: int, max_length: int, **kwargs) -> serializers.ListField:
    """A list of tag names (the limits are the caller's rule; a blank name is left for the rule
    to drop)."""
    return serializers.ListField(
        child=StrictCharField(max_length=max_length, allow_blank=True), max_length=max_tags, **kwargs
    )


class NullIfEmptyCharField(serializers.CharField):
    """Output text where the stored empty string is `null` (an optional value never set)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return str(value) if value else None


@extend_schema_field(OpenApiTypes.INT)
class ZeroOneBooleanField(serializers.BooleanField):
    """Output boolean as the integer 0 or 1 (what clients reading a MySQL TINYINT expect)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return int(bool(value))


@extend_schema_field(OpenApiTypes.INT)
class IdField(serializers.Field):
    """A database id given as a JSON number or a numeric string (query strings, multipart)."""

    default_error_messages = {"invalid": "A valid id is required."}

    def to_internal_value(self, data):
        pk = parse_id(data)
        if pk is None:
            self.fail("invalid")
        return pk

    def to_representation(self, value):
        return value


@extend_schema_field(OpenApiTypes.BINARY)
class UploadField(serializers.Field):
    """A multipart file part: the uploaded file, or nothing when the part is absent or not a
    file. Its content is checked by core.uploads.check_upload, never here."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("write_only", True)
        super().__init__(**kwargs)

    def validate_empty_values(self, data):
        if data is empty or data is None or data == "":
            return True, None
        return super().validate_empty_values(data)

    def to_internal_value(self, data):
        return data if isinstance(data, UploadedFile) else None
