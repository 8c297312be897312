"""Encryption at rest (Fernet with key rotation), keyed hashes for matching private data, and the
stored form of random secrets (API keys)."""

import hashlib
import hmac
import re
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty")
    return MultiFernet([Fernet(key.encode()) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "A stored value cannot be decrypted with any key in FIELD_ENCRYPTION_KEYS"
        ) from exc


class EncryptedTextField(models.TextField):
    """A text column that holds only Fernet tokens; Python sees the plaintext.

    The empty string is stored as-is so that "no notes" needs no decryption. Encrypted columns
    cannot be filtered on: match through the keyed hashes instead.
    """

    description = "Text encrypted at rest"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return value
        return encrypt(value)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def normalise_phone(phone: str) -> str:
    phone = phone.strip()
    digits = re.sub(r"\D", "", phone)
    return f"+{digits}" if phone.startswith("+") else digits


def _keyed_hash(value: str) -> str:
    if not settings.PII_HASH_KEY:
        raise ImproperlyConfigured("PII_HASH_KEY is empty")
    return hmac.new(settings.PII_HASH_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


def email_hash(email: str) -> str:
    """HMAC-SHA256 of the normalised email, or "" for no email."""
    normalised = normalise_email(email or "")
    return _keyed_hash(normalised) if normalised else ""


def phone_hash(phone: str) -> str:
    """HMAC-SHA256 of the normalised phone number, or "" for no phone."""
    normalised = normalise_phone(phone or "")
    return _keyed_hash(normalised) if normalised.strip("+") else ""


def token_hash(raw_token: str) -> str:
    """How a random secret is stored: its SHA-256. The token is 256 random bits, so a plain hash
    is enough (no password stretching needed); the raw value is never stored."""
    return hashlib.sha256(raw_token.encode()).hexdigest()


def address_hash(address: str) -> str:
    """HMAC-SHA256 of a client address, or "" for none: recognises an address (to block it)
    without storing it."""
    address = (address or "").strip().lower()
    return _keyed_hash(f"address:{address}") if address else ""
