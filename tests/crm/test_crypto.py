"""Private fields are encrypted at rest (with key rotation) and matched through keyed hashes."""

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from core import crypto
from crm import services
from crm.choices import Platform
from crm.models import Fan
from screening.models import ScreeningMethod
from tests.factories import FanFactory

pytestmark = pytest.mark.django_db

SECRET_NOTES = "Prefers discreet billing; lives at 12 Elm Street"
SECRET_EMAIL = "Private.Person@Example.com"
SECRET_PHONE = "+44 (0)20 7946 0958"
SECRET_DETAILS = "Passport GB-123456789 checked by video call"


def raw_row(table: str, columns: list[str], pk: int) -> dict:
    """The bytes the database holds, read past the ORM."""
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(table)} WHERE id = %s", [pk])
        return dict(zip(columns, cursor.fetchone(), strict=True))


def test_fan_private_fields_never_reach_their_columns_in_plaintext(creator):
    fan = services.fan_create(
        creator=creator, platform=Platform.DIRECT, name="P", email=SECRET_EMAIL, phone=SECRET_PHONE,
        notes=SECRET_NOTES,
    )
    raw = raw_row(Fan._meta.db_table, ["email", "phone", "notes", "email_hash", "phone_hash"], fan.pk)
    everything = " ".join(str(v) for v in raw.values()).lower()
    for secret in (SECRET_NOTES, SECRET_EMAIL, SECRET_PHONE, "elm street", "private.person", "7946"):
        assert secret.lower() not in everything
    for column in ("email", "phone", "notes"):
        assert raw[column].startswith("gAAAAA")  # a Fernet token
        assert crypto.decrypt(raw[column]) in (SECRET_EMAIL, SECRET_PHONE, SECRET_NOTES)
    # Python sees the plaintext again.
    fan = Fan.objects.get(pk=fan.pk)
    assert (fan.email, fan.phone, fan.notes) == (SECRET_EMAIL, SECRET_PHONE, SECRET_NOTES)


def test_updates_are_encrypted_too(creator):
    fan = FanFactory(creator=creator)
    services.fan_update(fan=fan, notes=SECRET_NOTES)
    raw = raw_row(Fan._meta.db_table, ["notes"], fan.pk)
    assert SECRET_NOTES not in raw["notes"]
    assert Fan.objects.get(pk=fan.pk).notes == SECRET_NOTES


def test_the_same_value_encrypts_differently_each_time(creator):
    a = FanFactory(creator=creator, notes=SECRET_NOTES)
    b = FanFactory(creator=creator, notes=SECRET_NOTES)
    raw_a = raw_row(Fan._meta.db_table, ["notes"], a.pk)["notes"]
    raw_b = raw_row(Fan._meta.db_table, ["notes"], b.pk)["notes"]
    assert raw_a != raw_b  # no equality leak between rows


def test_empty_private_fields_are_stored_empty(creator):
    fan = FanFactory(creator=creator)
    raw = raw_row(Fan._meta.db_table, ["email", "phone", "notes"], fan.pk)
    assert raw == {"email": "", "phone": "", "notes": ""}


def test_screening_details_never_reach_their_column_in_plaintext():
    method = ScreeningMethod.objects.create(fan=FanFactory(), method_type="id_verification", details=SECRET_DETAILS)
    raw = raw_row(ScreeningMethod._meta.db_table, ["details"], method.pk)
    assert "Passport" not in raw["details"] and "123456789" not in raw["details"]
    assert ScreeningMethod.objects.get(pk=method.pk).details == SECRET_DETAILS


@pytest.mark.parametrize(
    "variant", ["a.b@example.com", "  A.B@EXAMPLE.COM ", "A.b@Example.Com\n", "\ta.B@example.COM"]
)
def test_email_hash_matches_the_trimmed_lower_cased_address(variant):
    assert crypto.normalise_email(variant) == "a.b@example.com"
    assert crypto.email_hash(variant) == crypto.email_hash("a.b@example.com")


def test_email_hash_distinguishes_addresses_and_empties():
    assert crypto.email_hash("a@example.com") != crypto.email_hash("b@example.com")
    assert crypto.email_hash("") == crypto.email_hash("   ") == ""


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("+1 (555) 010-0123", "+15550100123"),
        (" +1.555.010.0123 ", "+15550100123"),
        ("1 555 010 0123", "15550100123"),
        ("(555) 010-0123", "5550100123"),
        ("0044 20 7946 0958", "00442079460958"),
    ],
)
def test_phone_normalisation_keeps_digits_and_a_leading_plus(raw, normalised):
    assert crypto.normalise_phone(raw) == normalised
    assert crypto.phone_hash(raw) == crypto.phone_hash(normalised)


def test_phone_hash_leading_plus_matters_and_empty_is_empty():
    assert crypto.phone_hash("+15550100123") != crypto.phone_hash("15550100123")
    assert crypto.phone_hash("") == crypto.phone_hash(" + ") == crypto.phone_hash("--") == ""


def test_hashes_are_keyed(settings):
    before = crypto.email_hash("a@example.com")
    settings.PII_HASH_KEY = "another-key"
    assert crypto.email_hash("a@example.com") != before
    settings.PII_HASH_KEY = ""
    with pytest.raises(ImproperlyConfigured):
        crypto.email_hash("a@example.com")


def test_fans_are_found_by_the_hash_of_any_spelling(creator):
    fan = services.fan_create(creator=creator, platform=Platform.DIRECT, email=SECRET_EMAIL, phone=SECRET_PHONE)
    assert Fan.objects.get(email_hash=crypto.email_hash(" private.person@example.COM")) == fan
    assert Fan.objects.get(phone_hash=crypto.phone_hash("+44 020 7946 0958".replace(" 020", " (0)20"))) == fan


def test_a_row_written_under_an_old_key_reads_after_rotation(settings, creator):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old_key]
    fan = services.fan_create(creator=creator, platform=Platform.DIRECT, email=SECRET_EMAIL, notes=SECRET_NOTES)
    written_old = raw_row(Fan._meta.db_table, ["notes"], fan.pk)["notes"]

    # Rotation: the new key goes first (it encrypts), the old one stays to decrypt.
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    assert Fan.objects.get(pk=fan.pk).notes == SECRET_NOTES
    other = services.fan_create(creator=creator, platform=Platform.DIRECT, notes=SECRET_NOTES)
    written_new = raw_row(Fan._meta.db_table, ["notes"], other.pk)["notes"]
    assert Fernet(new_key.encode()).decrypt(written_new.encode()).decode() == SECRET_NOTES
    assert Fernet(old_key.encode()).decrypt(written_old.encode()).decode() == SECRET_NOTES

    # Re-saving moves an old row to the new key; then the old key can go.
    services.fan_update(fan=Fan.objects.get(pk=fan.pk), notes=SECRET_NOTES, email=SECRET_EMAIL)
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    refreshed = Fan.objects.get(pk=fan.pk)
    assert (refreshed.notes, refreshed.email) == (SECRET_NOTES, SECRET_EMAIL)


def test_a_value_no_configured_key_can_open_fails_loudly(settings, creator):
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    fan = FanFactory(creator=creator, notes=SECRET_NOTES)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ImproperlyConfigured, match="cannot be decrypted"):
        Fan.objects.get(pk=fan.pk)


def test_no_keys_is_a_configuration_error(settings):
    settings.FIELD_ENCRYPTION_KEYS = []
    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt("x")
