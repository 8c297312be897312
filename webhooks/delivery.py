"""Instagram delivery: one call to the Graph API per claimed message, and what its answer means.

The status rules are crm's (crm.delivery); this module knows only Instagram: the endpoints, the
token, and Meta's error codes. It lives in the app that already speaks Instagram (webhooks), which
registers it as crm's transport for the platform (webhooks.apps). The task that runs it is
webhooks.tasks.deliver_message.

  DM             POST {INSTAGRAM_GRAPH_URL}/{account id}/messages  {"recipient": {"id"}, "message": {"text"}}
  comment reply  POST {INSTAGRAM_GRAPH_URL}/{comment id}/replies   {"message"}

The token goes in the `Authorization` header, never in a URL (URLs end up in logs).
"""

import logging
from dataclasses import dataclass
from datetime import datetime
from functools import cache

import httpx
from django.conf import settings

from crm import delivery
from crm import selectors as crm_selectors
from crm.choices import Platform
from crm.models import Message, PlatformAccount

logger = logging.getLogger("webhooks.delivery")

# Meta's limits: a DM's text holds at most 1000 characters, a comment at most 2200.
DM_MAX_LENGTH = 1000
COMMENT_MAX_LENGTH = 2200

RECONNECT = "Reconnect the account with a new access token in Settings → Instagram, then Retry."


@dataclass(frozen=True)
class Refusal:
    """What a failed call means: the platform's words, whether to try again by itself, and whether
    trying again is safe (the platform surely did not take the message)."""

    error: str
    code: str
    advice: str
    transient: bool
    retry_safe: bool = True


# Meta's error codes (Graph API "Handling errors", Messenger Platform for Instagram error codes).
_RATE_LIMIT_CODES = {4, 17, 32, 613} | set(range(80001, 80015))
_TRANSIENT_CODES = {1, 2}
_TOKEN_CODES = {102, 190}
_WINDOW_SUBCODES = {2534022}
_UNAVAILABLE_CODES = {551}
_UNAVAILABLE_SUBCODES = {1545041, 2018001, 2534014}


def classify(status_code: int, body) -> Refusal:
    """The refusal of a non-2xx answer (or of a 2xx one without an id)."""
    error = body.get("error") if isinstance(body, dict) else None
    error = error if isinstance(error, dict) else {}
    message = str(error.get("message") or f"Instagram answered HTTP {status_code}")[:900]
    code = error.get("code") if isinstance(error.get("code"), int) else None
    subcode = error.get("error_subcode") if isinstance(error.get("error_subcode"), int) else None
    label = f"{code}" + (f"/{subcode}" if subcode else "") if code is not None else f"http_{status_code}"
    if code in _TOKEN_CODES:
        return Refusal(f"The access token is invalid or expired: {message}", label, RECONNECT, transient=False)
    if subcode in _WINDOW_SUBCODES:
        return Refusal(
            f"Outside the 24-hour messaging window: {message}",
            label,
            "Instagram accepts replies only within 24 hours of the fan's last message. Wait for the fan to write again, then Retry.",
            transient=False,
        )
    if code in _UNAVAILABLE_CODES or subcode in _UNAVAILABLE_SUBCODES:
        return Refusal(
            f"The fan cannot receive messages: {message}",
            label,
            "The fan's account is unavailable (deactivated, restricted, or it blocked you). Nothing to retry.",
            transient=False,
        )
    if code in _RATE_LIMIT_CODES or status_code == 429:
        return Refusal(f"Rate limited by Instagram: {message}", label, "Retrying with backoff.", transient=True)
    if code in _TRANSIENT_CODES or error.get("is_transient") is True or status_code >= 500:
        return Refusal(f"Instagram is temporarily unavailable: {message}", label, "Retrying with backoff.", transient=True)
    if code == 10 or (code is not None and 200 <= code <= 299):
        return Refusal(
            f"Permission missing: {message}",
            label,
            "The token lacks the messaging permission: reconnect with a token that has instagram_business_manage_messages.",
            transient=False,
        )
    return Refusal(
        f"Instagram refused the message: {message}",
        label,
        "Change the message if it is the cause, then send it again; Retry sends it unchanged.",
        transient=False,
    )


def _request(message: Message, account: PlatformAccount) -> tuple[str, dict]:
    base = settings.INSTAGRAM_GRAPH_URL.rstrip("/")
    if message.reply_to_id is not None:
        return f"{base}/{message.reply_to.platform_message_id}/replies", {"message": message.text}
    return (
        f"{base}/{account.external_account_id}/messages",
        {"recipient": {"id": message.fan.platform_id}, "message": {"text": message.text}},
    )


def _platform_id(message: Message, body) -> str:
    if not isinstance(body, dict):
        return ""
    value = body.get("id") if message.reply_to_id is not None else body.get("message_id")
    return str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else ""


@cache
def _client() -> httpx.Client:
    """One client per process: its TLS context and connections are reused (a new client per call
    costs ~25 ms of TLS setup). Idle connections are dropped after a few seconds, so a send rarely
    meets one the server closed (that would end "unknown", never resent)."""
    return httpx.Client(follow_redirects=False, limits=httpx.Limits(keepalive_expiry=5))


def send(message_id: int) -> datetime | None:
    """Claim the message, call Instagram once, record what happened. The time of the automatic
    retry when one is due (the caller schedules it), else None."""
    message = delivery.delivery_claim(message_id=message_id)  # `sending` is committed from here on
    if message is None:
        return None
    account = crm_selectors.delivery_account(creator_id=message.creator_id, platform=Platform.INSTAGRAM)
    refusal = _unaddressable(message, account)
    if refusal is not None:
        return _failed(message, refusal)
    url, payload = _request(message, account)
    try:
        response = _client().post(
            url,
            json=payload,
            headers={"Authorization": f"Bearer {account.access_token}"},
            timeout=settings.INSTAGRAM_GRAPH_TIMEOUT_SECONDS,
        )
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
        # The connection never opened: nothing reached Instagram.
        return _failed(message, Refusal(f"Instagram could not be reached ({type(exc).__name__})", "unreachable", "Retrying with backoff.", transient=True))
    except httpx.HTTPError as exc:
        # The request may have been taken and its answer lost: never sent again blindly.
        logger.warning("Delivery of message %s ended unknown: %s", message.pk, type(exc).__name__)
        delivery.delivery_outcome_unknown(message=message, detail=type(exc).__name__)
        return None
    try:
        body = response.json()
    except ValueError:
        body = None
    platform_id = _platform_id(message, body) if response.is_success else ""
    if platform_id:
        delivery.delivery_succeeded(message=message, platform_message_id=platform_id)
        logger.info("Message %s delivered to Instagram", message.pk, extra={"message_id": message.pk})
        return None
    if response.is_success:
        # Taken, but with no id to recognise it by: sent (the echo, if any, matches it by text).
        delivery.delivery_succeeded(message=message, platform_message_id="")
        return None
    return _failed(message, classify(response.status_code, body))


def _unaddressable(message: Message, account: PlatformAccount | None) -> Refusal | None:
    if account is None:
        return Refusal(
            "Delivery through Instagram was switched off before the message left",
            "delivery_off",
            "Switch “send replies through Instagram” on in Settings, then Retry.",
            transient=False,
        )
    if message.reply_to_id is not None and not (message.reply_to and message.reply_to.platform_message_id):
        return Refusal("The comment replied to is gone", "no_comment", "Reply in a direct message instead.", transient=False)
    if message.reply_to_id is None and not message.fan.platform_id:
        return Refusal(
            "This fan has no Instagram id, so the message cannot be addressed",
            "no_recipient",
            "Reply on Instagram itself; the fan's id is learnt from their first message.",
            transient=False,
        )
    return None


def _failed(message: Message, refusal: Refusal) -> datetime | None:
    logger.info(
        "Delivery of message %s failed: %s", message.pk, refusal.code, extra={"message_id": message.pk, "outcome": refusal.code}
    )
    return delivery.delivery_failed(
        message=message,
        error=refusal.error,
        code=refusal.code,
        advice=refusal.advice,
        transient=refusal.transient,
        retry_safe=refusal.retry_safe,
    )
