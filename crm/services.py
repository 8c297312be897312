"""Writes with business meaning. Views, serializers, admin, tasks and webhooks all call these."""

import secrets
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.text import slugify

from core.crypto import email_hash, phone_hash, token_hash
from core.erasure import erase
from core.exceptions import AlreadyExists, InvalidInput
from core.storage import store_upload
from core.uploads import CheckedUpload

from . import delivery, saved_replies, selectors, signals, validators
from .choices import (
    ClientCategory,
    ConsentSource,
    DeliveryStatus,
    Direction,
    MessageType,
    Platform,
    ScreeningStatus,
    TransactionKind,
)
from .models import ApiKey, Conversation, Creator, Fan, Message, PlatformAccount, SavedReply, Tag, Transaction
from .teams import actor
from .teams import services as team_services
from .teams.audit import AuditAction, audit_record
from .validators import validate_occurred_at

# --- Creators ------------------------------------------------------------------------------


@transaction.atomic
def creator_create(
    *, slug: str, email: str, password: str, display_name: str = "", timezone_name: str = "UTC"
) -> Creator:
    User = get_user_model()
    slug = slugify(slug)
    if not slug:
        raise InvalidInput("Invalid slug", field="slug")
    if Creator.objects.filter(slug=slug).exists():
        raise AlreadyExists(f"A creator with slug '{slug}' already exists", field="slug")
    if User.objects.filter(email__iexact=email.strip()).exists():
        raise AlreadyExists(f"A user with email '{email}' already exists", field="email")
    user = User(username=slug, email=email.strip().lower())
    user.set_password(password)
    user.full_clean()
    user.save()
    creator = Creator(user=user, slug=slug, display_name=display_name or slug, timezone=timezone_name)
    creator.full_clean()
    creator.save()
    team_services.membership_first_owner(creator=creator)
    return creator


def creator_lock(*, creator: Creator) -> None:
    """Serialise one creator's match-or-create writes until the transaction ends.

    A row lock on PostgreSQL; SQLite already holds the database write lock from BEGIN.
    """
    Creator.objects.select_for_update().filter(pk=creator.pk).values_list("pk").first()


# --- Tags ----------------------------------------------------------------------------------


def tags_resolve(*, creator: Creator, names: Iterable[str]) -> list[Tag]:
    """The creator's tags with these names, created where missing: the tag rule of every entry
    point (names trimmed, blanks dropped, deduplicated; at most 50 of at most 64 characters)."""
    try:
        wanted = validators.clean_tag_names(names)
    except ValidationError as exc:
        raise InvalidInput(exc.messages[0], field="tags") from exc
    if not wanted:
        return []
    existing = {t.name: t for t in Tag.objects.filter(creator=creator, name__in=wanted)}
    missing = [Tag(creator=creator, name=n) for n in wanted if n not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {t.name: t for t in Tag.objects.filter(creator=creator, name__in=wanted)}
    return [existing[n] for n in wanted]


# --- Fans ----------------------------------------------------------------------------------

# The fan's writable fields, in the order the forms show them: the one list every entry point
# (pages, both APIs, admin, contact form, webhooks) writes through fan_create and fan_update.
FAN_FIELDS = (
    "name",
    "platform",
    "platform_id",
    "handle",
    "client_identifier",
    "email",
    "phone",
    "screening_status",
    "client_category",
    "subscription_status",
    "notes",
)
_CONTACT_RULES = {"email": validators.clean_email, "phone": validators.clean_phone}


def default_fan_name(*, client_identifier: str = "", handle: str = "", email: str = "") -> str:
    return client_identifier or handle.lstrip("@") or (email.split("@")[0] if email else "") or "Unknown"


def _check_fields(fields: dict, action: str) -> None:
    unknown = set(fields) - set(FAN_FIELDS)
    if unknown:
        raise TypeError(f"{action} got unknown fields: {sorted(unknown)}")


def _clean_contact(fields: dict, fan: Fan | None = None) -> None:
    """Normalise and validate the email and phone a write sets. A value equal to the stored one
    is no edit: a row written before the rule keeps it until that field is changed."""
    errors = {}
    for name, clean in _CONTACT_RULES.items():
        if name not in fields or (fan is not None and fields[name] == getattr(fan, name)):
            continue
        try:
            fields[name] = clean(fields[name])
        except ValidationError as exc:
            errors[name] = exc.error_list
    if errors:
        raise ValidationError(errors)


def _apply_private_fields(fan: Fan, fields: dict) -> None:
    if "email" in fields:
        fan.email_hash = email_hash(fan.email)
    if "phone" in fields:
        fan.phone_hash = phone_hash(fan.phone)
    if "notes" in fields:
        fan.notes_updated_at = timezone.now()
        fan.notes_updated_by_id = _actor_user_id()


def _decide_screening(fan: Fan, *, status: str, decided_by, category_changed: bool) -> None:
    """The screening decision, for every entry point that sets a screening status.

    Approving makes the fan `screened` unless the same write changes the category (a form that
    re-sends the category it shows changes nothing); rejecting leaves the category. Approving and
    rejecting record who decided and when; reopening (pending) keeps the last decision's record.
    """
    if status not in ScreeningStatus.values:
        raise InvalidInput("Invalid screening_status", field="screening_status")
    fan.screening_status = status
    if status == ScreeningStatus.APPROVED and not category_changed:
        fan.client_category = ClientCategory.SCREENED
    if status in (ScreeningStatus.APPROVED, ScreeningStatus.REJECTED):
        fan.screening_decided_by = decided_by
        fan.screening_decided_at = timezone.now()
    fan._screening_decision = status  # audited once the fan is saved (_audit_screening)


def _audit_screening(fan: Fan) -> None:
    status = getattr(fan, "_screening_decision", None)
    if status is not None:
        del fan._screening_decision
        audit_record(creator_id=fan.creator_id, action=AuditAction.SCREENING_DECIDED, obj=fan, status=status)


def _save_fan(fan: Fan) -> None:
    fan.full_clean(exclude=["tags"], validate_constraints=False)
    try:
        with transaction.atomic():
            fan.save()
    except IntegrityError as exc:
        raise AlreadyExists("Fan already exists") from exc


@transaction.atomic
def fan_create(
    *,
    creator: Creator,
    platform: str,
    name: str = "",
    tags: Iterable[str] = (),
    opening_balance_cents: int = 0,
    decided_by=None,
    **fields,
) -> Fan:
    """A new fan. A screening status other than pending is a decision by `decided_by`."""
    _check_fields(fields, "fan_create")
    _clean_contact(fields)
    fields.setdefault("platform_id", None)
    if not fields["platform_id"]:
        fields["platform_id"] = None
    name = (name or "").strip() or default_fan_name(
        client_identifier=fields.get("client_identifier", ""),
        handle=fields.get("handle", ""),
        email=fields.get("email", ""),
    )
    status = fields.pop("screening_status", ScreeningStatus.PENDING)
    fan = Fan(creator=creator, platform=platform, name=name, **fields)
    if status != fan.screening_status:
        category_changed = fan.client_category != ClientCategory.UNSCREENED
        _decide_screening(fan, status=status, decided_by=decided_by, category_changed=category_changed)
    _apply_private_fields(fan, fields)
    _save_fan(fan)  # a taken platform_id fails the unique constraint: AlreadyExists
    _audit_screening(fan)
    if tags:
        fan.tags.set(tags_resolve(creator=creator, names=tags))
    if opening_balance_cents:
        transaction_record(
            fan=fan, kind=TransactionKind.OPENING_BALANCE, amount_cents=opening_balance_cents
        )
        fan.refresh_from_db(fields=["value_cents"])
    return fan


@transaction.atomic
def fan_update(*, fan: Fan, tags: Iterable[str] | None = None, decided_by=None, **fields) -> Fan:
    """A partial update. A changed screening status is a decision by `decided_by` (see
    _decide_screening); a changed email or phone must follow crm.validators."""
    _check_fields(fields, "fan_update")
    _clean_contact(fields, fan)
    if "platform_id" in fields and not fields["platform_id"]:
        fields["platform_id"] = None
    status = fields.pop("screening_status", fan.screening_status)
    category_changed = fields.get("client_category", fan.client_category) != fan.client_category
    for field, value in fields.items():
        setattr(fan, field, value)
    if status != fan.screening_status:
        _decide_screening(fan, status=status, decided_by=decided_by, category_changed=category_changed)
        fields["screening_status"] = status
    _apply_private_fields(fan, fields)
    if fields:
        _save_fan(fan)
        _audit_screening(fan)
        if "notes" in fields:
            audit_record(creator_id=fan.creator_id, action=AuditAction.FAN_NOTES_EDITED, obj=fan)
    if tags is not None:
        fan.tags.set(tags_resolve(creator=fan.creator, names=tags))
        audit_record(creator_id=fan.creator_id, action=AuditAction.FAN_TAGS_CHANGED, obj=fan)
        # Keep the instance current too, so callers can answer with it without a reload.
        fan.updated_at = timezone.now()
        Fan.objects.filter(pk=fan.pk).update(updated_at=fan.updated_at)
    return fan


@transaction.atomic
def fan_screening_decide(
    *, fan: Fan, status: str, decided_by=None, client_category: str | None = None
) -> Fan:
    """Approve, reject or reopen a fan's screening (the screening section, its admin actions).

    The same rule as a status changed through fan_update: approving makes the fan `screened`
    unless `client_category` changes the category; a status the fan already has is no decision.
    """
    fields = {"screening_status": status}
    if client_category:
        fields["client_category"] = client_category
    return fan_update(fan=fan, decided_by=decided_by, **fields)


@transaction.atomic
def fan_match_or_create(
    *, creator: Creator, email: str = "", phone: str = "", decided_by=None, **fields
) -> tuple[Fan, bool]:
    """The creator's fan with this email, else with this phone (the oldest), or a new direct fan.

    The one match-or-create of /api/v1 clients and the contact form. Email and phone are
    validated before anything is matched. A matched fan gains the email or phone it lacked and
    keeps everything else; (fan, created).
    """
    contact = {"email": email or "", "phone": phone or ""}
    _clean_contact(contact)
    # Two writers with one email at once must not create two fans: match under the creator's lock.
    creator_lock(creator=creator)
    fan = selectors.fan_match_contact(
        creator=creator, email_hash=email_hash(contact["email"]), phone_hash=phone_hash(contact["phone"])
    )
    if fan is None:
        fields.setdefault("platform", Platform.DIRECT)
        return fan_create(creator=creator, decided_by=decided_by, **contact, **fields), True
    missing = {name: value for name, value in contact.items() if value and not getattr(fan, name)}
    if missing:
        fan_update(fan=fan, **missing)
    return fan, False


@transaction.atomic
def fan_delete(*, fan: Fan) -> None:
    """Erase a fan: their rows and everything under them, and every other trace (docs/SECURITY.md,
    "Erasure"). The apps above erase what they hold on `fan_deleting`; the admin's history keeps
    its entries without the fan's names (core.erasure); stored files go after the commit."""
    audit_record(creator_id=fan.creator_id, action=AuditAction.FAN_DELETED, obj=fan)  # its id only
    signals.fan_deleting.send(sender=Fan, fan=fan)
    erase(fan)


# --- Consent and do-not-contact ------------------------------------------------------------


@transaction.atomic
def fan_consent_record(*, fan: Fan, source: str, text: str, at: datetime | None = None) -> Fan:
    """The fan agreed to be contacted: where, when, and the exact words they agreed to (the
    latest consent replaces an earlier one)."""
    if source not in ConsentSource.values:
        raise InvalidInput("Invalid consent_source", field="consent_source")
    text = (text or "").strip()
    if not text:
        raise InvalidInput("consent_text is required", field="consent_text")
    fan.consent_source, fan.consent_text, fan.consent_at = source, text[:1000], at or timezone.now()
    Fan.objects.filter(pk=fan.pk).update(
        consent_source=fan.consent_source, consent_text=fan.consent_text, consent_at=fan.consent_at, updated_at=timezone.now()
    )
    return fan


@transaction.atomic
def fan_do_not_contact(*, fan: Fan, do_not_contact: bool, reason: str = "") -> Fan:
    """Set or clear do-not-contact. Setting records the reason and time; clearing forgets them."""
    reason = (reason or "").strip()[:255]
    if do_not_contact and not reason:
        reason = "Marked by the creator"
    if do_not_contact:
        # Already set: the time it was first set stays (the reason may be reworded).
        since = fan.do_not_contact_at if fan.do_not_contact and fan.do_not_contact_at else timezone.now()
    else:
        since = None
    fields = {
        "do_not_contact": do_not_contact,
        "do_not_contact_reason": reason if do_not_contact else "",
        "do_not_contact_at": since,
    }
    for name, value in fields.items():
        setattr(fan, name, value)
    Fan.objects.filter(pk=fan.pk).update(**fields, updated_at=timezone.now())
    return fan


def stop_keyword(text: str) -> str | None:
    """The STOP keyword a message is, if it is one (the whole message, any case, punctuation
    around it ignored; `DO_NOT_CONTACT_KEYWORDS`)."""
    word = (text or "").strip().strip(".!?,;:\"'()[] ").lower()
    keywords = {k.strip().lower() for k in settings.DO_NOT_CONTACT_KEYWORDS if k.strip()}
    return word.upper() if word in keywords else None


# --- Conversations -------------------------------------------------------------------------


@transaction.atomic
def conversation_open(
    *,
    fan: Fan,
    platform: str | None = None,
    subject: str = "",
    platform_conversation_id: str | None = None,
    reuse: bool = True,
) -> tuple[Conversation, bool]:
    """The fan's most recent open conversation on the platform (when `reuse`), else a new one."""
    platform = platform or fan.platform
    if platform not in Platform.values:
        raise InvalidInput("Invalid platform", field="platform")
    creator = fan.creator
    if platform_conversation_id:
        existing = Conversation.objects.filter(
            creator=creator, platform=platform, platform_conversation_id=platform_conversation_id
        ).first()
        if existing:
            return existing, False
    if reuse:
        # Lock the fan row so two concurrent opens for one fan cannot both create a thread.
        # (Only the key is read: the row's encrypted fields are not fetched and decrypted.)
        Fan.objects.select_for_update().filter(pk=fan.pk).values_list("pk").first()
        existing = (
            Conversation.objects.filter(fan=fan, platform=platform, is_archived=False)
            .order_by("-last_message_at", "-id")
            .first()
        )
        if existing:
            return existing, False
    conversation = Conversation(
        creator=creator,
        fan=fan,
        platform=platform,
        subject=subject,
        platform_conversation_id=platform_conversation_id or None,
    )
    conversation.full_clean(exclude=["tags"], validate_constraints=False)
    conversation.save()
    signals.conversation_opened.send(sender=Conversation, conversation=conversation)
    return conversation, True


@transaction.atomic
def conversation_update(
    *, conversation: Conversation, is_archived: bool | None = None, tags: Iterable[str] | None = None, subject: str | None = None
) -> Conversation:
    changed = []
    if is_archived is not None:
        if is_archived != conversation.is_archived:
            action = AuditAction.CONVERSATION_ARCHIVED if is_archived else AuditAction.CONVERSATION_UNARCHIVED
            audit_record(creator_id=conversation.creator_id, action=action, obj=conversation)
        conversation.is_archived = is_archived
        changed.append("is_archived")
    if subject is not None:
        conversation.subject = subject[:255]
        changed.append("subject")
    if tags is not None:
        conversation.tags.set(tags_resolve(creator=conversation.creator, names=tags))
        audit_record(creator_id=conversation.creator_id, action=AuditAction.CONVERSATION_TAGS_CHANGED, obj=conversation)
    conversation.save(update_fields=[*changed, "updated_at"])
    signals.conversation_changed.send(sender=Conversation, conversation=conversation)
    return conversation


@transaction.atomic
def conversation_mark_read(*, conversation: Conversation) -> Conversation:
    now = timezone.now()
    Message.objects.filter(
        conversation=conversation, direction=Direction.INCOMING, read_at__isnull=True
    ).update(read_at=now)
    Conversation.objects.filter(pk=conversation.pk).update(unread_count=0, updated_at=now)
    conversation.refresh_from_db(fields=["unread_count", "updated_at"])
    signals.conversation_read.send(sender=Conversation, conversation=conversation)
    return conversation


# --- Messages ------------------------------------------------------------------------------


def _actor_user_id() -> int | None:
    current = actor.current()
    return current.user_id if current is not None and current.api_key is None else None


def _stamp_sender(message: Message) -> None:
    """An outgoing message records who sent it: the member or API key acting in this request
    (crm.teams.actor), with the name they had; none for the platform's own (webhooks) and
    commands. `sent_by_ai` keeps saying whether AI wrote it."""
    current = actor.current()
    if current is None:
        return
    if current.api_key is not None:
        message.sent_by_kind, message.sent_by_api_key_id = "api_key", current.api_key.pk
        message.sent_by_name = current.api_key.name[:254]
    elif current.user_id is not None:
        message.sent_by_kind, message.sent_by_id, message.sent_by_name = "member", current.user_id, current.name[:254]


@transaction.atomic
def message_add(
    *,
    conversation: Conversation,
    direction: str,
    text: str = "",
    message_type: str = MessageType.TEXT,
    price_cents: int = 0,
    sent_by_ai: bool = False,
    platform_message_id: str | None = None,
    created_at: datetime | None = None,
    attachment: CheckedUpload | None = None,
    via: str | None = None,
    reply_to: Message | None = None,
    is_comment: bool = False,
) -> Message:
    """Add a message and keep the conversation's counters exact under concurrent writers.

    Idempotent on `platform_message_id`: a message already recorded is returned unchanged.
    An outgoing message written to reach the fan (`via` the inbox or an API) gets its delivery
    status from crm.delivery; a `queued` one goes to its platform's transport after commit.
    """
    if direction not in Direction.values:
        raise InvalidInput("Invalid direction", field="direction")
    if message_type not in MessageType.values:
        raise InvalidInput("Invalid message_type", field="message_type")
    # The row locks serialise writers of one conversation (SQLite serialises all writers). The
    # fan's row first, as conversation_open takes it: a webhook DM (fan, then conversation) and a
    # reply (conversation, then the fan's last_contacted_at) would otherwise deadlock.
    Fan.objects.select_for_update().filter(pk=conversation.fan_id).values_list("pk").first()
    locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
    delivery.check_reply_to(conversation=locked, reply_to=reply_to)
    status, advice = DeliveryStatus.RECORDED, ""
    if direction == Direction.OUTGOING and price_cents and via is not None:
        # Written here to reach the fan (not history a platform or an import reports).
        check_ppv_platform(locked.platform)
    if direction == Direction.OUTGOING:
        status, advice = delivery.initial_status(
            conversation=locked, via=via, text=text, reply_to=reply_to, has_attachment=attachment is not None
        )
    if platform_message_id:
        existing = Message.objects.filter(conversation=locked, platform_message_id=platform_message_id).first()
        if existing:
            return existing
    now = created_at or timezone.now()
    message = Message(
        conversation=locked,
        creator_id=locked.creator_id,
        fan_id=locked.fan_id,
        direction=direction,
        message_type=message_type,
        text=text,
        price_cents=price_cents,
        sent_by_ai=sent_by_ai,
        platform_message_id=platform_message_id or None,
        created_at=now,
        is_comment=is_comment,
        reply_to=reply_to,
        delivery_status=status,
        delivery_advice=advice,
        delivery_updated_at=timezone.now() if status != DeliveryStatus.RECORDED else None,
    )
    if direction == Direction.OUTGOING:
        _stamp_sender(message)
    if attachment is not None:
        message.attachment_name = attachment.original_name
        message.attachment_size = attachment.size
        message.attachment_content_type = attachment.content_type
        if message_type == MessageType.TEXT:
            message.message_type = MessageType.IMAGE if attachment.is_image else MessageType.FILE

    updates = {
        "message_count": F("message_count") + 1,
        "last_message_at": Greatest(Coalesce(F("last_message_at"), Value(now)), Value(now)),
        "updated_at": timezone.now(),
    }
    fan_updates = {}
    if direction == Direction.INCOMING:
        updates["unread_count"] = F("unread_count") + 1
        if locked.awaiting_reply_since is None:
            updates["awaiting_reply_since"] = now
        fan_updates["last_seen_at"] = Greatest(Coalesce(F("last_seen_at"), Value(now)), Value(now))
    elif direction == Direction.OUTGOING:
        if locked.awaiting_reply_since is not None:
            message.response_seconds = max(0, int((now - locked.awaiting_reply_since).total_seconds()))
        updates["awaiting_reply_since"] = None
        fan_updates["last_contacted_at"] = Greatest(Coalesce(F("last_contacted_at"), Value(now)), Value(now))

    # Validated before the attachment is stored: invalid input never touches the file store.
    message.full_clean(exclude=["conversation", "creator", "fan", "attachment", "reply_to"], validate_constraints=False)
    if attachment is not None:
        store_upload(message.attachment, attachment, what="Message attachment")
    try:
        message.save()
        signals.message_recorded.send(sender=Message, message=message)
        Conversation.objects.filter(pk=locked.pk).update(**updates)
        if fan_updates:
            Fan.objects.filter(pk=locked.fan_id).update(**fan_updates)
        keyword = stop_keyword(text) if direction == Direction.INCOMING else None
        if keyword:
            # The fan replied STOP: nobody contacts them again until the creator clears it.
            Fan.objects.filter(pk=locked.fan_id, do_not_contact=False).update(
                do_not_contact=True, do_not_contact_reason=f"Replied “{keyword}”", do_not_contact_at=now
            )
        if status == DeliveryStatus.QUEUED:
            message.conversation = locked
            delivery.enqueue_after_commit(message)
    except Exception:
        # The stored object was written before the row; a failed write must not leave it behind.
        if message.attachment.name:
            message.attachment.storage.delete(message.attachment.name)
        raise
    return message


def check_ppv_platform(platform: str) -> None:
    """A pay-per-view price only where the fan can unlock it (settings.PPV_PLATFORMS)."""
    if platform not in settings.PPV_PLATFORMS:
        label = Platform(platform).label if platform in Platform.values else platform
        raise InvalidInput(f"{label} has no pay-per-view: send the message without a price", field="price_cents")


# --- Transactions --------------------------------------------------------------------------


@transaction.atomic
def transaction_record(
    *,
    fan: Fan,
    kind: str,
    amount_cents: int,
    platform: str | None = None,
    external_id: str | None = None,
    occurred_at: datetime | None = None,
    message: Message | None = None,
) -> tuple[Transaction, bool]:
    """Record money and keep Fan.value_cents its exact running sum; dedupe on external_id."""
    if kind not in TransactionKind.values:
        raise InvalidInput("Invalid kind", field="kind")
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents <= 0:
        raise InvalidInput("Invalid amount_cents", field="amount_cents")
    platform = platform or fan.platform
    if platform not in Platform.values:
        raise InvalidInput("Invalid platform", field="platform")
    try:
        validate_occurred_at(occurred_at)
    except ValidationError:
        raise InvalidInput("Invalid occurred_at", field="occurred_at")
    if message is not None and (message.fan_id != fan.pk or message.direction != Direction.OUTGOING):
        raise InvalidInput("Invalid message_id: not a message sent to this fan", field="message_id")
    if external_id:
        existing = Transaction.objects.filter(
            creator_id=fan.creator_id, platform=platform, external_id=external_id
        ).first()
        if existing:
            return existing, False
    txn = Transaction(
        creator_id=fan.creator_id,
        fan=fan,
        kind=kind,
        amount_cents=amount_cents,
        platform=platform,
        external_id=external_id or None,
        message=message,
        occurred_at=occurred_at or timezone.now(),
    )
    try:
        with transaction.atomic():
            txn.save()
    except IntegrityError:
        # A concurrent writer recorded the same external id first.
        return Transaction.objects.get(creator_id=fan.creator_id, platform=platform, external_id=external_id), False
    Fan.objects.filter(pk=fan.pk).update(value_cents=F("value_cents") + txn.signed_amount_cents)
    signals.transaction_recorded.send(sender=Transaction, txn=txn)
    return txn, True


# --- Platform accounts ---------------------------------------------------------------------


@transaction.atomic
def platform_account_connect(
    *,
    creator: Creator,
    platform: str,
    external_account_id: str,
    username: str = "",
    access_token: str = "",
    token_expires_at: datetime | None = None,
    delivery_enabled: bool | None = None,
) -> PlatformAccount:
    """Connect a platform account; events kept for it while unconnected are then replayed.

    Connecting an account already connected to the creator updates what was given (a new token,
    the delivery switch); delivery needs a token (docs/delivery.md).
    """
    external_account_id = external_account_id.strip()
    if not external_account_id:
        raise InvalidInput("external_account_id is required", field="external_account_id")
    existing = PlatformAccount.objects.filter(platform=platform, external_account_id=external_account_id).first()
    if existing and existing.creator_id != creator.pk:
        raise AlreadyExists("This account is connected to another creator", field="external_account_id")
    if existing:
        changes = {} if delivery_enabled is None else {"delivery_enabled": delivery_enabled}
        if username:
            changes["username"] = username
        if access_token:
            changes.update(access_token=access_token, token_expires_at=token_expires_at)
        return platform_account_update(account=existing, **changes)
    account = PlatformAccount(
        creator=creator,
        platform=platform,
        external_account_id=external_account_id,
        username=username,
        access_token=(access_token or "").strip(),
        token_expires_at=token_expires_at,
        delivery_enabled=bool(delivery_enabled),
    )
    _check_delivery(account)
    account.full_clean(validate_constraints=False)
    account.save()
    audit_record(creator_id=creator.pk, action=AuditAction.PLATFORM_CONNECTED, obj=account, platform=platform)
    transaction.on_commit(
        lambda: signals.platform_account_connected.send(sender=PlatformAccount, account=account)
    )
    return account


_ACCOUNT_FIELDS = ("username", "access_token", "token_expires_at", "delivery_enabled")


def _check_delivery(account: PlatformAccount) -> None:
    if account.delivery_enabled and not account.access_token:
        raise InvalidInput("Sending replies needs the account's access token", field="access_token")
    if account.delivery_enabled and delivery.transport_for(account.platform) is None:
        raise InvalidInput("Replies cannot be sent through this platform", field="delivery_enabled")


@transaction.atomic
def platform_account_update(*, account: PlatformAccount, **changes) -> PlatformAccount:
    """Change an account's username, access token (with its expiry) or delivery switch. A blank
    token leaves the stored one; turning delivery off leaves queued messages to fail visibly."""
    unknown = set(changes) - set(_ACCOUNT_FIELDS)
    if unknown:
        raise TypeError(f"platform_account_update got unknown fields: {sorted(unknown)}")
    if "access_token" in changes:
        token = (changes["access_token"] or "").strip()
        if not token:
            changes.pop("access_token")
            changes.pop("token_expires_at", None)
        else:
            changes["access_token"] = token
    for name, value in changes.items():
        setattr(account, name, value)
    _check_delivery(account)
    account.full_clean(validate_constraints=False)
    if changes:
        account.save(update_fields=list(changes))
    return account


@transaction.atomic
def platform_account_disconnect(*, account: PlatformAccount) -> None:
    audit_record(
        creator_id=account.creator_id, action=AuditAction.PLATFORM_DISCONNECTED, obj=account, platform=account.platform
    )
    account.delete()


# --- Saved replies -------------------------------------------------------------------------


def _save_reply(reply: SavedReply) -> SavedReply:
    try:
        with transaction.atomic():
            reply.save()
    except IntegrityError as exc:
        raise AlreadyExists("A saved reply with this title exists", field="title") from exc
    return reply


def _reply_title(title: str) -> str:
    title = (title or "").strip()
    if not title or len(title) > saved_replies.MAX_TITLE:
        raise InvalidInput(f"A title of 1 to {saved_replies.MAX_TITLE} characters", field="title")
    return title


def saved_reply_create(*, creator: Creator, title: str, body: str) -> SavedReply:
    return _save_reply(SavedReply(creator=creator, title=_reply_title(title), body=saved_replies.check_body(body)))


def saved_reply_update(*, reply: SavedReply, title: str, body: str) -> SavedReply:
    reply.title, reply.body = _reply_title(title), saved_replies.check_body(body)
    return _save_reply(reply)


def saved_reply_delete(*, reply: SavedReply) -> None:
    reply.delete()


# --- API keys ------------------------------------------------------------------------------

API_KEY_PREFIX = "pk_"


@transaction.atomic
def api_key_create(*, creator: Creator, name: str = "") -> tuple[ApiKey, str]:
    """A new key; the raw value is returned once and never stored."""
    raw_key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    api_key = ApiKey(
        creator=creator,
        name=(name or "").strip()[:100] or f"Key {timezone.now():%Y-%m-%d %H:%M}",
        prefix=raw_key[:10],
        key_hash=token_hash(raw_key),
    )
    api_key.full_clean(validate_constraints=False)
    api_key.save()
    audit_record(creator_id=creator.pk, action=AuditAction.API_KEY_CREATED, obj=api_key)
    return api_key, raw_key


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
        audit_record(creator_id=api_key.creator_id, action=AuditAction.API_KEY_REVOKED, obj=api_key)
    return api_key


@transaction.atomic
def api_keys_revoke_all(*, creator: Creator) -> int:
    ids = list(ApiKey.objects.filter(creator=creator, revoked_at__isnull=True).values_list("pk", flat=True))
    revoked = ApiKey.objects.filter(pk__in=ids).update(revoked_at=timezone.now())
    for key_id in ids:
        audit_record(creator_id=creator.pk, action=AuditAction.API_KEY_REVOKED, object_type="apikey", object_id=key_id)
    return revoked


def api_key_touch(*, api_key: ApiKey) -> None:
    """Record a key's use; at most once a minute per key, so reads stay cheap."""
    now = timezone.now()
    if api_key.last_used_at is None or (now - api_key.last_used_at).total_seconds() >= 60:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
