"""Two-factor sign-in: TOTP (django-otp's TOTPDevice) with single-use recovery codes.

Required for staff in the admin (crm.admin_site), optional for everyone else. A sign-in whose
password was right but whose second factor is still due waits in the session (`pending_*`) for
at most TWO_FACTOR_PENDING_SECONDS, bound to the password it was checked against.
"""

import secrets
import time
from base64 import b32encode

import segno
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django_otp.models import VerifyNotAllowed
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.crypto import token_hash
from core.exceptions import ApplicationError
from crm.choices import AuthEventKind, SignInSurface
from crm.models import RecoveryCode, RecoveryCodeDevice, normalise_recovery_code

from . import events, guard

RECOVERY_CODE_COUNT = 10
_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"  # base32: 5 bits a character, 16 characters
PENDING_KEY = "signin.pending"
NEW_CODES_KEY = "signin.new_recovery_codes"
TOTP_DEVICE_NAME = "Authenticator app"


def enabled(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user) -> int:
    return RecoveryCode.objects.filter(device__user=user, device__confirmed=True).count()


# --- Enrolment and removal ---------------------------------------------------------------------


@transaction.atomic
def totp_device_unconfirmed(*, user) -> TOTPDevice:
    """The device being set up: the one waiting for its first code, or a new one (a new secret)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def qr_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// URL as an inline SVG QR code (no script, no external image)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#111", light="#fff")


def secret_base32(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it typed in, in groups of four."""
    raw = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def _new_codes(device: RecoveryCodeDevice) -> list[str]:
    device.codes.all().delete()
    codes = ["".join(secrets.choice(_ALPHABET) for _ in range(16)) for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(RecoveryCode(device=device, code_hash=token_hash(code)) for code in codes)
    return ["-".join(code[i:i + 4] for i in range(0, 16, 4)) for code in codes]


@transaction.atomic
def totp_device_confirm(*, user, device: TOTPDevice, code: str, request=None) -> list[str] | None:
    """Turn two-factor sign-in on with the first code of the new device; the recovery codes
    (shown once), or None when the code is wrong."""
    device = TOTPDevice.objects.select_for_update().filter(pk=device.pk, user=user, confirmed=False).first()
    if device is None or not device.verify_token(_digits(code)):  # None: confirmed meanwhile
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    recovery, _ = RecoveryCodeDevice.objects.get_or_create(user=user, defaults={"name": "Recovery codes"})
    codes = _new_codes(recovery)
    events.auth_event_record(kind=AuthEventKind.TWO_FACTOR_ENABLED, request=request, user=user)
    return codes


@transaction.atomic
def recovery_codes_renew(*, user, request=None) -> list[str]:
    """A fresh set of recovery codes; the old ones stop working."""
    recovery, _ = RecoveryCodeDevice.objects.get_or_create(user=user, defaults={"name": "Recovery codes"})
    codes = _new_codes(recovery)
    events.auth_event_record(kind=AuthEventKind.RECOVERY_CODES_CREATED, request=request, user=user)
    return codes


@transaction.atomic
def disable(*, user, request=None, surface: str = "") -> bool:
    """Turn two-factor sign-in off: every device and recovery code goes. False if it was off."""
    was_on = enabled(user)
    TOTPDevice.objects.filter(user=user).delete()
    RecoveryCodeDevice.objects.filter(user=user).delete()
    if was_on:
        events.auth_event_record(kind=AuthEventKind.TWO_FACTOR_DISABLED, request=request, user=user, surface=surface)
    return was_on


# --- Verification ------------------------------------------------------------------------------


def _digits(code) -> str:
    return "".join(str(code or "").split())


def _refusal(device) -> str | None:
    allowed, data = device.verify_is_allowed()
    if allowed:
        return None
    if data and data.get("reason") == VerifyNotAllowed.N_FAILED_ATTEMPTS:
        return "Too many wrong codes. Wait a minute, then try again."
    return "This code cannot be checked now. Try again later."


@transaction.atomic
def verify(*, user, code, request=None) -> tuple[object | None, str | None]:
    """(the device that accepted `code`, None) or (None, why not). A TOTP code is good once
    (django-otp keeps the last time step used); a recovery code is deleted when used."""
    if not isinstance(code, str) or not code.strip():
        return None, "Enter the code from your authenticator app or a recovery code."
    digits = _digits(code)
    if digits.isdigit():
        for device in TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True):
            refusal = _refusal(device)
            if refusal:
                return None, refusal
            if device.verify_token(digits):
                return device, None
        return None, "That code is not right (or was already used)."
    if not normalise_recovery_code(code):
        return None, "That code is not right (or was already used)."
    for device in RecoveryCodeDevice.objects.select_for_update().filter(user=user, confirmed=True):
        refusal = _refusal(device)
        if refusal:
            return None, refusal
        if device.verify_token(code):
            events.auth_event_record(kind=AuthEventKind.RECOVERY_CODE_USED, request=request, user=user)
            return device, None
    return None, "That code is not right (or was already used)."


class SecondFactorRefused(ApplicationError):
    status_code = 401


TWO_FACTOR_REQUIRED = "Two-factor code required"
INVALID_TWO_FACTOR_CODE = "Invalid two-factor code"


def require_second_factor(request, user, code) -> None:
    """For the JSON sign-ins (which have no second step): an account with two-factor sign-in
    sends `otp` with its password. Missing: 401 "Two-factor code required"; wrong or replayed:
    401 "Invalid two-factor code", counted against the account."""
    if not enabled(user):
        return
    if not code:
        raise SecondFactorRefused(TWO_FACTOR_REQUIRED)
    device, _why = verify(user=user, code=code, request=request)
    if device is None:
        guard.sign_in_failed(request, surface=SignInSurface.TWO_FACTOR, identifier=user.get_username(), user=user)
        raise SecondFactorRefused(INVALID_TWO_FACTOR_CODE)


# --- The sign-in waiting for its second factor ------------------------------------------------


def pending_start(request, user, *, surface: str, next_url: str, enrol: bool) -> None:
    """Password checked; the second factor is due (`enrol`: the account must set one up first)."""
    request.session.cycle_key()
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[0]),
        "hash": user.get_session_auth_hash(),
        "surface": surface,
        "next": next_url,
        "enrol": enrol,
        "until": int(time.time()) + settings.TWO_FACTOR_PENDING_SECONDS,
    }


def pending(request) -> tuple[object, dict] | None:
    """(user, state) of the sign-in waiting in this session, or None (none, expired, or the
    password changed since)."""
    state = request.session.get(PENDING_KEY)
    if not isinstance(state, dict) or state.get("until", 0) < time.time():
        return None
    user = get_user_model().objects.filter(pk=state.get("user"), is_active=True).first()
    if user is None or user.get_session_auth_hash() != state.get("hash"):
        return None
    user.backend = state["backend"]
    return user, state


def pending_clear(request) -> None:
    request.session.pop(PENDING_KEY, None)
