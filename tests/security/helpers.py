"""Two-factor helpers for the sign-in tests: an enrolled device and the codes its app would show."""

import time

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from crm.security import two_factor


def totp_code(device: TOTPDevice, *, steps: int = 0) -> str:
    """The code the authenticator app shows now (`steps` time steps later: the next one)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps * device.step
    return f"{totp.token():0{device.digits}d}"


def enrol(user) -> TOTPDevice:
    """Turn two-factor sign-in on as the setup page does; `device.recovery_codes` are the codes."""
    device = two_factor.totp_device_unconfirmed(user=user)
    codes = two_factor.totp_device_confirm(user=user, device=device, code=totp_code(device))
    device.refresh_from_db()
    device.recovery_codes = codes
    return device
