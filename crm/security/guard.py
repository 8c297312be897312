"""The budgets every way in spends, in one place.

- Per client address, every attempt: `LOGIN_RATE_LIMIT` (default 10 per 5 minutes), one budget
  shared by the login page, the admin login, the two-factor step and `/api/auth/login|token`;
  the password-reset forms have their own of the same size; the API-key endpoints keep their
  stricter 10 per 15 minutes.
- Per account, failures only, from every address and surface together:
  `LOGIN_ACCOUNT_RATE_LIMIT` (default 20 per hour). An attacker rotating addresses stops there,
  and cannot lock the owner out with it: over the budget, a browser that signed in to the
  account before (the signed `signin_device` cookie) or an address it signed in from before
  still gets in with the right password.

Every failure and refusal is stored (crm.security.events) for the admin and the metrics.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing

from core import ratelimit
from core.ratelimit import Usage
from crm.choices import AuthEventKind

from . import events, selectors

ADDRESS_GROUP = "sign-in"
ACCOUNT_GROUP = "sign-in-account-failures"
RESET_ADDRESS_GROUP = "password-reset"
RESET_EMAIL_GROUP = "password-reset-email"
DEVICE_COOKIE = "signin_device"
_DEVICE_SALT = "crm.security.guard.device"
_DEVICE_MAX_ACCOUNTS = 5


class SignInThrottled(Exception):
    """Over a sign-in budget: the caller answers 429 with Retry-After."""

    def __init__(self, usage: Usage):
        super().__init__("Too many sign-in attempts")
        self.usage = usage

    @property
    def message(self) -> str:
        minutes = max(1, round(self.usage.retry_after / 60))
        unit = "minute" if minutes == 1 else "minutes"
        return f"Too many sign-in attempts. Try again in {minutes} {unit}."


def find_user(identifier: str):
    """The account an email (any case) or username names, or None."""
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    field = "email__iexact" if "@" in identifier else "username"
    return get_user_model().objects.filter(**{field: identifier}).first()


def account_key(*, user, identifier: str) -> str:
    # One budget per account, whatever it was called by (email, username, creator slug).
    return f"user:{user.pk}" if user is not None else ratelimit.account_key(identifier or "")


def spend_address(request, *, surface: str, group: str = ADDRESS_GROUP, rate: str | None = None,
                  user=None, identifier: str = "") -> Usage:
    """Count one attempt of the client address; SignInThrottled (recorded) when over."""
    usage = ratelimit.per_address(request, group=group, rate=rate or settings.LOGIN_RATE_LIMIT)
    if usage.exceeded:
        events.auth_event_throttled(request=request, surface=surface, usage=usage, user=user, identifier=identifier)
        raise SignInThrottled(usage)
    return usage


def check_account(request, *, surface: str, user, identifier: str) -> None:
    """Refuse (recorded) an account over its failure budget, unless this browser or address
    signed in to it before."""
    usage = ratelimit.peek(
        request, group=ACCOUNT_GROUP, key=account_key(user=user, identifier=identifier),
        rate=settings.LOGIN_ACCOUNT_RATE_LIMIT,
    )
    if usage.exceeded and not known_source(request, user):
        events.auth_event_throttled(request=request, surface=surface, usage=usage, user=user, identifier=identifier)
        raise SignInThrottled(usage)


def sign_in_check(request, *, surface: str, identifier: str, user=None, address_group: str = ADDRESS_GROUP,
                  address_rate: str | None = None) -> None:
    """Before a credential is checked: the address budget, then the account's."""
    spend_address(request, surface=surface, group=address_group, rate=address_rate, user=user, identifier=identifier)
    check_account(request, surface=surface, user=user, identifier=identifier)


def sign_in_failed(request, *, surface: str, identifier: str, user=None) -> None:
    """A wrong password or code: it counts against the account and is stored."""
    ratelimit.hit(
        request, group=ACCOUNT_GROUP, key=account_key(user=user, identifier=identifier),
        rate=settings.LOGIN_ACCOUNT_RATE_LIMIT,
    )
    events.auth_event_record(
        kind=AuthEventKind.SIGN_IN_FAILED, request=request, user=user, surface=surface, identifier=identifier
    )


def sign_in_succeeded(request, *, surface: str, user) -> None:
    """Stored too: it makes the address known to the account (see check_account)."""
    events.auth_event_record(kind=AuthEventKind.SIGN_IN, request=request, user=user, surface=surface)


# --- Known browsers --------------------------------------------------------------------------


def _device_accounts(request) -> list[int]:
    try:
        value = request.get_signed_cookie(
            DEVICE_COOKIE, salt=_DEVICE_SALT, max_age=settings.SIGN_IN_DEVICE_COOKIE_AGE
        )
    except (KeyError, signing.BadSignature):
        return []
    return [int(part) for part in value.split(",") if part.isdigit()]


def known_source(request, user) -> bool:
    if user is None:
        return False
    if user.pk in _device_accounts(request):
        return True
    return selectors.address_signed_in_before(user=user, address=ratelimit.client_ip(request))


def remember_device(request, response, user) -> None:
    """Mark this browser as one the account signed in from (a signed, HttpOnly cookie)."""
    accounts = [pk for pk in _device_accounts(request) if pk != user.pk]
    accounts = [user.pk, *accounts][:_DEVICE_MAX_ACCOUNTS]
    response.set_signed_cookie(
        DEVICE_COOKIE,
        ",".join(str(pk) for pk in accounts),
        salt=_DEVICE_SALT,
        max_age=settings.SIGN_IN_DEVICE_COOKIE_AGE,
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Lax",
    )
