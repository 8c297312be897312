"""Pure functions of the intake: signature check and splitting a delivery into events.

Nothing here touches the database, so the request path stays short and every rule is testable
on its own.
"""

import hashlib
import hmac
import json
import re
from dataclasses import dataclass

from .choices import Field, Provider

SIGNATURE_RE = re.compile(r"sha256=([0-9a-fA-F]{64})")
# Longest dedupe key stored as is; longer ones (very long ids) are hashed to fit the column.
MAX_KEY_LENGTH = 255


class InvalidPayload(ValueError):
    """The delivery is not a Meta webhook body we can store."""


def signature_valid(*, body: bytes, header: str | None, secret: str) -> bool:
    """`X-Hub-Signature-256: sha256=<hex>` over the raw body, compared in constant time."""
    match = SIGNATURE_RE.fullmatch(header or "")
    if not match:
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return hmac.compare_digest(expected, bytes.fromhex(match.group(1)))


def sign(body: bytes, secret: str) -> str:
    """The header value Meta would send for this body (tests and the bench use it)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class EventDraft:
    """One change (or messaging item) of a delivery, ready to be stored."""

    external_id: str
    event_type: str
    account_id: str
    payload: dict
    party_id: str = ""


def id_text(value) -> str | None:
    """Meta ids arrive as strings, sometimes as numbers; anything else is not an id."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _canonical_hash(data) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def dedupe_key(account_id: str, field: str, item_id: str | None, data) -> str:
    """`instagram:<account>:<field>:<id>`, or the change's canonical hash when it has no id."""
    suffix = item_id if item_id is not None else "sha256:" + _canonical_hash(data)
    key = f"{Provider.INSTAGRAM}:{account_id}:{field}:{suffix}"
    if len(key) > MAX_KEY_LENGTH:
        key = f"{Provider.INSTAGRAM}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"
    return key


def party_id(field: str, value: dict) -> str:
    """The platform id of the person a change is from or to, "" when none: a comment's author,
    the other party of a DM (the recipient of the account's own echo). Mentions and media name
    nobody. An id too long for the column names nobody either (the handlers ignore such events)."""
    if field == Field.MESSAGING:
        message = value.get("message")
        echo = isinstance(message, dict) and message.get("is_echo") is True
        party = value.get("recipient" if echo else "sender")
    else:
        party = value.get("from")
    found = id_text(party.get("id")) if isinstance(party, dict) else None
    return found if found and len(found) <= MAX_KEY_LENGTH else ""


def change_item_id(value: dict) -> str | None:
    # Comments and media carry `id`; a mention carries the comment or media it happened in.
    for name in ("id", "comment_id", "media_id"):
        item_id = id_text(value.get(name))
        if item_id:
            return item_id
    return None


def messaging_item_id(item: dict) -> str | None:
    message = item.get("message")
    return id_text(message.get("mid")) if isinstance(message, dict) else None


def parse_delivery(body: bytes) -> list[EventDraft]:
    """Split a delivery into events; InvalidPayload when its shape is not Meta's."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise InvalidPayload("not JSON")
    if not isinstance(data, dict) or not isinstance(data.get("entry"), list):
        raise InvalidPayload("no entry list")
    drafts: dict[str, EventDraft] = {}
    for entry in data["entry"]:
        if not isinstance(entry, dict):
            raise InvalidPayload("entry is not an object")
        account_id = id_text(entry.get("id"))
        if account_id is None:
            raise InvalidPayload("entry without id")
        context = {"entry_id": account_id, "entry_time": entry.get("time")}
        changes = entry.get("changes", [])
        messaging = entry.get("messaging", [])
        if not isinstance(changes, list) or not isinstance(messaging, list):
            raise InvalidPayload("changes/messaging is not a list")
        for change in changes:
            if not isinstance(change, dict):
                raise InvalidPayload("change is not an object")
            field, value = change.get("field"), change.get("value")
            if not isinstance(field, str) or not field.strip() or not isinstance(value, dict):
                raise InvalidPayload("change without field or value")
            field = field.strip()[:64]
            key = dedupe_key(account_id, field, change_item_id(value), change)
            payload = {**context, "field": field, "value": value}
            drafts.setdefault(key, EventDraft(key, field, account_id, payload, party_id(field, value)))
        for item in messaging:
            if not isinstance(item, dict):
                raise InvalidPayload("messaging item is not an object")
            key = dedupe_key(account_id, Field.MESSAGING, messaging_item_id(item), item)
            payload = {**context, "field": Field.MESSAGING.value, "value": item}
            drafts.setdefault(key, EventDraft(key, Field.MESSAGING.value, account_id, payload, party_id(Field.MESSAGING, item)))
    # One delivery may repeat a change; it is stored once.
    return list(drafts.values())
