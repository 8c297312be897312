"""The CRM's core data: creators and everything a creator owns about their fans."""

from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth.hashers import acheck_password, check_password, make_password
from django.contrib.auth.models import AbstractUser
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django_otp.models import Device, ThrottlingMixin

from core.crypto import EncryptedTextField, token_hash
from core.storage import generated_name

from .choices import (
    AuthEventKind,
    ClientCategory,
    ConsentSource,
    DeliveryStatus,
    Direction,
    MassMessageStatus,
    MessageType,
    Platform,
    RecipientStatus,
    Role,
    ScheduledStatus,
    ScreeningStatus,
    SignInSurface,
    SkipReason,
    SubscriptionStatus,
    TransactionKind,
)


def _sniffed_key(prefix: str, filename: str) -> str:
    # `filename` is only the extension the validator chose from the sniffed type.
    return generated_name(prefix, filename if filename.startswith(".") else "")


def message_attachment_path(instance, filename: str) -> str:
    """A generated storage key; `filename` is only the extension the validator chose from the
    sniffed type, never the user's file name."""
    return _sniffed_key("attachments", filename)


def mass_attachment_path(instance, filename: str) -> str:
    """As message_attachment_path, under its own prefix."""
    return _sniffed_key("mass-attachments", filename)


class User(AbstractUser):
    """A login. Creators are users with a Creator profile; staff use the admin.

    `token_version` is in every JWT (claim `ver`) and in the session's auth hash: a password
    change or reset (`set_password`, wherever it is called) and "log out everywhere" bump it, and
    every session and token issued before stops working.
    """

    email = models.EmailField("email address", unique=True)
    token_version = models.PositiveIntegerField(
        default=0, editable=False, help_text="Bumped by password changes: older sessions and tokens stop working."
    )

    class Meta(AbstractUser.Meta):
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self):
        return self.email or self.username

    def set_password(self, raw_password):
        super().set_password(raw_password)
        if self.pk is not None:  # a new user has nothing issued yet
            self.token_version += 1

    def set_unusable_password(self):
        super().set_unusable_password()
        if self.pk is not None:
            self.token_version += 1

    def _upgrade_hash(self, raw_password):
        # A hasher upgrade re-hashes the same password: no change, nothing ends.
        self.password = make_password(raw_password)
        self._password = None

    def check_password(self, raw_password):
        def setter(raw):
            self._upgrade_hash(raw)
            self.save(update_fields=["password"])

        return check_password(raw_password, self.password, setter)

    async def acheck_password(self, raw_password):
        async def setter(raw):
            self._upgrade_hash(raw)
            await self.asave(update_fields=["password"])

        return await acheck_password(raw_password, self.password, setter)

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "password" in update_fields and "token_version" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "token_version"]
        super().save(*args, **kwargs)

    def _get_session_auth_hash(self, secret=None):
        return salted_hmac(
            "crm.models.User.get_session_auth_hash",
            f"{self.password}\x00{self.token_version}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


class Creator(models.Model):
    """A creator account: the tenant that owns fans, conversations, money and keys."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="creator")
    slug = models.SlugField(max_length=100, unique=True)
    display_name = models.CharField(max_length=255, blank=True)
    timezone = models.CharField(max_length=64, default="UTC")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self):
        return self.display_name or self.slug


class Membership(models.Model):
    """A user working for a creator, with one role. The creator's own login is its first owner
    (a row made with the creator; see crm.teams.services). A deactivated membership keeps its
    history (who sent what) but opens nothing."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["creator_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "creator"], name="membership_unique_per_creator"),
        ]
        indexes = [models.Index(fields=["creator", "role"], name="membership_creator_role")]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()} of {self.creator_id}"


class Invitation(models.Model):
    """An invitation to join a creator's team by email, with a role: a single-use link, valid
    `INVITATION_DAYS`, revocable. Only the token's hash is stored (crm.teams.invitations)."""

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(max_length=254)
    role = models.CharField(max_length=16, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["creator", "email"], name="invitation_creator_email")]

    def __str__(self):
        return f"{self.email} as {self.get_role_display()} of {self.creator_id}"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()


class Tag(models.Model):
    """A label shared by fans and conversations of one creator."""

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=64)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["creator", "name"], name="tag_unique_per_creator"),
        ]

    def __str__(self):
        return self.name


class Fan(models.Model):
    """A person the creator deals with on any platform (the seed-002 "client" and "interaction")."""

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="fans")
    name = models.CharField(max_length=255)
    platform = models.CharField(max_length=20, choices=Platform.choices)
    platform_id = models.CharField(max_length=255, null=True, blank=True)
    handle = models.CharField(max_length=255, blank=True)
    client_identifier = models.CharField(max_length=255, blank=True)
    email = EncryptedTextField()
    phone = EncryptedTextField()
    email_hash = models.CharField(max_length=64, blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, editable=False)
    tags = models.ManyToManyField(Tag, blank=True, related_name="fans")
    value_cents = models.BigIntegerField(default=0, editable=False)
    screening_status = models.CharField(
        max_length=32, choices=ScreeningStatus.choices, default=ScreeningStatus.PENDING
    )
    client_category = models.CharField(
        max_length=32, choices=ClientCategory.choices, default=ClientCategory.UNSCREENED
    )
    subscription_status = models.CharField(
        max_length=32, choices=SubscriptionStatus.choices, default=SubscriptionStatus.NONE
    )
    screening_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    screening_decided_at = models.DateTimeField(null=True, blank=True)
    notes = EncryptedTextField()
    notes_updated_at = models.DateTimeField(null=True, blank=True)
    notes_updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_contacted_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    # Consent to be contacted: where, when, and the exact text agreed (crm.services.fan_consent_record).
    consent_source = models.CharField(max_length=20, choices=ConsentSource.choices, blank=True, editable=False)
    consent_at = models.DateTimeField(null=True, blank=True, editable=False)
    consent_text = models.CharField(max_length=1000, blank=True, editable=False)
    # Do not contact: set by the creator or by the fan replying a STOP keyword.
    do_not_contact = models.BooleanField(default=False, editable=False)
    do_not_contact_reason = models.CharField(max_length=255, blank=True, editable=False)
    do_not_contact_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        # Staff who see decrypted email, phone, notes and screening details in the admin (each
        # viewing is audited); members see them per the team matrix (crm.teams.policy).
        permissions = [("view_private_fields", "Can view decrypted email, phone, notes and screening details")]
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["creator", "platform", "platform_id"],
                condition=Q(platform_id__isnull=False) & ~Q(platform_id=""),
                name="fan_unique_platform_id",
            ),
        ]
        indexes = [
            models.Index(fields=["creator", "id"], name="fan_creator_id"),
            models.Index(fields=["creator", "email_hash"], name="fan_creator_email_hash"),
            models.Index(fields=["creator", "phone_hash"], name="fan_creator_phone_hash"),
            models.Index(fields=["creator", "client_category", "id"], name="fan_creator_category"),
            models.Index(fields=["creator", "value_cents", "id"], name="fan_creator_value"),
            models.Index(fields=["creator", "last_seen_at", "id"], name="fan_creator_last_seen"),
            models.Index(fields=["creator", "created_at"], name="fan_creator_created"),
            models.Index(fields=["creator", "name", "id"], name="fan_creator_name"),
        ]

    def __str__(self):
        return self.name


class Conversation(models.Model):
    """A thread with one fan on one platform. Counters are kept by crm.services only."""

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="conversations")
    fan = models.ForeignKey(Fan, on_delete=models.CASCADE, related_name="conversations")
    platform = models.CharField(max_length=20, choices=Platform.choices)
    platform_conversation_id = models.CharField(max_length=255, null=True, blank=True)
    subject = models.CharField(max_length=255, blank=True)
    is_archived = models.BooleanField(default=False)
    tags = models.ManyToManyField(Tag, blank=True, related_name="conversations")
    # The member working the conversation (crm.teams.assignment); None: unassigned.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_conversations"
    )
    unread_count = models.PositiveIntegerField(default=0, editable=False)
    message_count = models.PositiveIntegerField(default=0, editable=False)
    last_message_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The oldest incoming message not yet answered: the start of the next response time.
    awaiting_reply_since = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["creator", "platform", "platform_conversation_id"],
                condition=Q(platform_conversation_id__isnull=False) & ~Q(platform_conversation_id=""),
                name="conversation_unique_platform_id",
            ),
        ]
        indexes = [
            models.Index(fields=["creator", "id"], name="conv_creator_id"),
            models.Index(fields=["fan", "platform", "is_archived"], name="conv_fan_platform"),
            models.Index(fields=["creator", "is_archived", "id"], name="conv_creator_archived"),
            models.Index(fields=["creator", "last_message_at", "id"], name="conv_creator_last_msg"),
            models.Index(fields=["creator", "unread_count", "last_message_at"], name="conv_creator_unread"),
            models.Index(fields=["creator", "assignee", "last_message_at"], name="conv_creator_assignee"),
        ]

    def __str__(self):
        return self.subject or f"{self.fan} on {self.get_platform_display()}"


class Message(models.Model):
    """One message of a conversation; creator and fan are copied for indexing and analytics."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="+")
    fan = models.ForeignKey(Fan, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=8, choices=Direction.choices)
    message_type = models.CharField(max_length=8, choices=MessageType.choices, default=MessageType.TEXT)
    text = models.TextField(blank=True)
    attachment = models.FileField(upload_to=message_attachment_path, blank=True, max_length=255)
    attachment_name = models.CharField(max_length=255, blank=True)
    attachment_size = models.PositiveBigIntegerField(null=True, blank=True)
    attachment_content_type = models.CharField(max_length=100, blank=True)
    price_cents = models.PositiveBigIntegerField(default=0)
    sent_by_ai = models.BooleanField(default=False)
    # Who sent an outgoing message (crm.teams.actor): a member (`sent_by`), an API key
    # (`sent_by_api_key`), with the name either had then (kept if the login or key goes).
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_by_api_key = models.ForeignKey("ApiKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    sent_by_name = models.CharField(max_length=254, blank=True)
    sent_by_kind = models.CharField(max_length=8, blank=True)  # "member", "api_key" or "" (none recorded)
    platform_message_id = models.CharField(max_length=255, null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # An incoming Instagram comment (not a DM): replies to it go through the comment-reply endpoint.
    is_comment = models.BooleanField(default=False, editable=False)
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    # Delivery to the platform (crm.delivery; docs/delivery.md). Written by its services only.
    delivery_status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.RECORDED, editable=False
    )
    delivery_error = models.CharField(max_length=1000, blank=True, editable=False)
    delivery_error_code = models.CharField(max_length=64, blank=True, editable=False)
    delivery_advice = models.CharField(max_length=500, blank=True, editable=False)
    delivery_will_retry = models.BooleanField(default=False, editable=False)
    # Retrying is safe only when the platform surely did not take the message.
    delivery_retry_safe = models.BooleanField(default=False, editable=False)
    delivery_attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    delivery_next_attempt_at = models.DateTimeField(null=True, blank=True, editable=False)
    delivery_updated_at = models.DateTimeField(null=True, blank=True, editable=False)
    response_seconds = models.PositiveIntegerField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "platform_message_id"],
                condition=Q(platform_message_id__isnull=False) & ~Q(platform_message_id=""),
                name="message_unique_platform_id",
            ),
        ]
        indexes = [
            models.Index(fields=["conversation", "created_at", "id"], name="msg_conv_created"),
            models.Index(fields=["creator", "direction", "created_at"], name="msg_creator_dir_created"),
            models.Index(fields=["fan", "direction", "created_at"], name="msg_fan_dir_created"),
            models.Index(
                fields=["conversation", "id"],
                condition=~Q(attachment=""),
                name="msg_conv_attachments",
            ),
            # The sweeper's look at deliveries in flight or due for a retry: a handful of rows.
            models.Index(
                fields=["delivery_status", "delivery_updated_at"],
                condition=Q(delivery_status__in=["queued", "sending", "failed"]),
                name="msg_delivery_open",
            ),
        ]

    def __str__(self):
        return f"{self.get_direction_display()} message {self.pk}"


class Transaction(models.Model):
    """The revenue ledger. Amounts are positive; refunds subtract from revenue and fan value."""

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="transactions")
    fan = models.ForeignKey(Fan, on_delete=models.CASCADE, related_name="transactions")
    kind = models.CharField(max_length=20, choices=TransactionKind.choices)
    amount_cents = models.PositiveBigIntegerField()
    platform = models.CharField(max_length=20, choices=Platform.choices)
    external_id = models.CharField(max_length=255, null=True, blank=True)
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    occurred_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["creator", "platform", "external_id"],
                condition=Q(external_id__isnull=False) & ~Q(external_id=""),
                name="transaction_unique_external_id",
            ),
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="transaction_amount_positive"),
        ]
        indexes = [
            # Leads with (creator, occurred_at) for the revenue ranges; the trailing columns let a
            # segment's "spent in the last N days" sum per fan from the index alone (docs/PERFORMANCE.md).
            models.Index(fields=["creator", "occurred_at", "fan", "kind", "amount_cents"], name="txn_creator_occurred_spend"),
            models.Index(fields=["fan", "occurred_at"], name="txn_fan_occurred"),
            models.Index(fields=["creator", "id"], name="txn_creator_id"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount_cents}¢"

    @property
    def signed_amount_cents(self) -> int:
        return -self.amount_cents if self.kind == TransactionKind.REFUND else self.amount_cents


class PlatformAccount(models.Model):
    """A creator's account on a platform; routes that platform's webhooks to the creator."""

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="platform_accounts")
    platform = models.CharField(max_length=20, choices=Platform.choices)
    external_account_id = models.CharField(max_length=255)
    username = models.CharField(max_length=255, blank=True)
    # The Graph API access token (encrypted) and when Meta said it expires (long-lived: 60 days).
    access_token = EncryptedTextField()
    token_expires_at = models.DateTimeField(null=True, blank=True)
    # Opt-in: until on, outgoing messages are recorded only (seed-002 clients log what they sent
    # elsewhere; delivering those would send them twice).
    delivery_enabled = models.BooleanField("send replies through Instagram", default=False)
    connected_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["platform", "external_account_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "external_account_id"], name="platform_account_unique"
            ),
        ]

    def __str__(self):
        return f"{self.get_platform_display()} {self.username or self.external_account_id}"

    @property
    def delivers(self) -> bool:
        """Outgoing messages go out through this account: switched on, with a token."""
        return self.delivery_enabled and bool(self.access_token)

    def token_expires_within(self, days: int, *, now=None) -> bool:
        if self.token_expires_at is None:
            return False
        return self.token_expires_at <= (now or timezone.now()) + timedelta(days=days)


class SavedReply(models.Model):
    """A reply a creator (and their chatters) insert instead of retyping it; `body` may use the
    variables of crm.saved_replies ({{ fan.name }}, {{ creator.display_name }})."""

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="saved_replies")
    title = models.CharField(max_length=100)
    body = models.TextField(max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "id"]
        verbose_name_plural = "saved replies"
        constraints = [
            models.UniqueConstraint(fields=["creator", "title"], name="saved_reply_title_unique"),
        ]

    def __str__(self):
        return self.title


class ChatVisitor(models.Model):
    """A visitor of a creator's public page who started a chat (crm.chat): one conversation
    (platform `direct`) of a fan created for them. The visitor's token is random and stored as
    its SHA-256 only; the address as a keyed hash (blocking, never shown); the email they typed
    is encrypted and only *suggests* an existing fan (`suggested_fan`) for the creator to confirm
    (`linked_fan`), never a merge."""

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="chat_visitors")
    fan = models.ForeignKey(Fan, on_delete=models.CASCADE, related_name="chat_visitors")
    conversation = models.OneToOneField(Conversation, on_delete=models.CASCADE, related_name="chat_visitor")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    address_hash = models.CharField(max_length=64, blank=True, editable=False)
    email = EncryptedTextField()
    email_hash = models.CharField(max_length=64, blank=True, editable=False)
    suggested_fan = models.ForeignKey(Fan, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    linked_fan = models.ForeignKey(Fan, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    last_seen_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    blocked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["creator", "last_seen_at"], name="chat_visitor_seen")]

    def __str__(self):
        return f"Chat visitor {self.pk} of {self.creator}"


class ChatBlock(models.Model):
    """A visitor the creator blocked: by token, address and email hash, so a fresh cookie (or a
    fresh chat from the same address or with the same email) does not evade it. Goes with the
    visitor's fan when that fan is erased."""

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="chat_blocks")
    fan = models.ForeignKey(Fan, on_delete=models.CASCADE, related_name="chat_blocks")
    token_hash = models.CharField(max_length=64, editable=False)
    address_hash = models.CharField(max_length=64, blank=True, editable=False)
    email_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["creator", "token_hash"], name="chat_block_token"),
            models.Index(fields=["creator", "address_hash"], name="chat_block_address"),
            models.Index(fields=["creator", "email_hash"], name="chat_block_email"),
        ]

    def __str__(self):
        return f"Chat block {self.pk} of {self.creator}"


class ChatSettings(models.Model):
    """A creator's visitor chat: the away message visitors see when nobody of the team is
    online, and the bytes visitors' files take (kept exact by a conditional UPDATE, crm.chat)."""

    creator = models.OneToOneField(Creator, on_delete=models.CASCADE, primary_key=True, related_name="chat_settings")
    away_message = models.CharField(max_length=500, blank=True)
    storage_used_bytes = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["creator"]
        verbose_name_plural = "chat settings"

    def __str__(self):
        return f"Chat settings of {self.creator}"


class ApiKey(models.Model):
    """A `pk_` key for /api/v1: shown once, stored as a SHA-256 hash with a display prefix."""

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API key"

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


# --- Sign-in and account security -------------------------------------------------------------


class UserSession(AbstractBaseSession):
    """A browser session (SESSION_ENGINE `crm.session_store`): Django's database session plus
    whose it is and where it signed in, so a user can list their sessions and end them.

    The extra columns are copied from the session's own data on every save (see
    crm.session_store), so they never disagree with it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="browser_sessions"
    )
    signed_in_at = models.DateTimeField(null=True, blank=True)
    address = models.CharField(max_length=45, blank=True)
    user_agent = models.CharField(max_length=255, blank=True)
    # The page login's refresh token (rotations follow it): ending the session blacklists it.
    refresh_jti = models.CharField(max_length=255, blank=True)
    # Django's auth hash of the session: it stops matching the user's when a password change
    # or "log out everywhere" ended the session, which then no longer counts as active.
    auth_hash = models.CharField(max_length=128, blank=True)

    class Meta:
        ordering = ["-signed_in_at", "session_key"]
        verbose_name = "browser session"
        indexes = [models.Index(fields=["user", "expire_date"], name="usersession_user_expiry")]

    def __str__(self):
        return f"{self.user or 'anonymous'} since {self.signed_in_at or '?'}"

    @classmethod
    def get_session_store_class(cls):
        return import_module(settings.SESSION_ENGINE).SessionStore


class AuthEvent(models.Model):
    """One account-security event: failed and throttled sign-ins (for the admin and the metrics),
    successful sign-ins (they make an address known to the account), password, session and
    two-factor changes. Kept `AUTH_EVENT_RETENTION_DAYS` (purge_auth_events).

    Throttled attempts of one address on one surface fold into one row per window (`count`).
    """

    kind = models.CharField(max_length=32, choices=AuthEventKind.choices)
    surface = models.CharField(max_length=16, choices=SignInSurface.choices, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="auth_events"
    )
    # What was typed as the login (failures of unknown accounts have no user).
    identifier = models.CharField(max_length=254, blank=True)
    address = models.CharField(max_length=45, blank=True)
    user_agent = models.CharField(max_length=255, blank=True)
    count = models.PositiveIntegerField(default=1)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "sign-in and security event"
        indexes = [
            models.Index(fields=["kind", "at"], name="authevent_kind_at"),
            models.Index(fields=["user", "kind", "address"], name="authevent_user_kind_address"),
            models.Index(fields=["at"], name="authevent_at"),
        ]

    def __str__(self):
        who = self.identifier or (self.user and str(self.user)) or "?"
        return f"{self.get_kind_display()}: {who} from {self.address or '?'}"


class RecoveryCodeDevice(ThrottlingMixin, Device):
    """A user's single-use recovery codes for two-factor sign-in (a django-otp device).

    Codes are random (80 bits) and stored only as SHA-256 hashes; a used code is deleted.
    Failed guesses slow further ones down (django-otp's throttling).
    """

    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(Device.Meta):
        ordering = ["id"]
        verbose_name = "recovery code set"

    def verify_token(self, token):
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        normalised = normalise_recovery_code(token)
        used = bool(normalised) and self.codes.filter(code_hash=token_hash(normalised)).delete()[0] > 0
        if used:
            self.throttle_reset()
        else:
            self.throttle_increment()
        return used

    def get_throttle_factor(self):
        return 1


def normalise_recovery_code(token) -> str:
    """Codes are shown as `abcd-efgh-jkmn-pqrs`; typed with or without dashes, spaces, any case."""
    if not isinstance(token, str):
        return ""
    return "".join(ch for ch in token.lower() if ch.isalnum())


class RecoveryCode(models.Model):
    """One unused recovery code of a RecoveryCodeDevice (its hash)."""

    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["device", "code_hash"], name="recovery_code_unique_per_device"),
        ]

    def __str__(self):
        return f"recovery code {self.pk} of {self.device_id}"


class AuditEntry(models.Model):
    """One action in a creator's audit log: who (a login or an API key, with the name it had),
    what, when, on which object. Ids only in `details`, never a fan's personal data, so an
    erasure leaves the log intact. Append-only: a row is never changed or deleted one by one
    (it goes only with its creator)."""

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="audit_entries")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_api_key = models.ForeignKey(ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=32, blank=True)
    object_id = models.BigIntegerField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["creator", "at", "id"], name="audit_creator_at")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name or 'system'}: {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit entries are never deleted one by one")


# --- Campaigns (crm.campaigns; docs/campaigns.md) ---------------------------------------------


class ScheduledMessage(models.Model):
    """An outgoing message waiting for its time. It is not a Message until it is sent, so no list,
    counter, response time or analytics sees it; at `send_at` the worker turns it into one through
    message_add (delivery included), whose `created_at` is then the send time."""

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="scheduled_messages")
    fan = models.ForeignKey(Fan, on_delete=models.CASCADE, related_name="scheduled_messages")
    text = models.TextField()
    price_cents = models.PositiveBigIntegerField(default=0)
    send_at = models.DateTimeField()
    via = models.CharField(max_length=8, default="inbox")  # message_add's `via` at send time
    status = models.CharField(max_length=10, choices=ScheduledStatus.choices, default=ScheduledStatus.SCHEDULED)
    error = models.CharField(max_length=500, blank=True)
    message = models.OneToOneField(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["send_at", "id"]
        indexes = [
            models.Index(fields=["creator", "status", "send_at"], name="sched_creator_status"),
            # The sweeper's look at due rows: only those still waiting.
            models.Index(fields=["send_at"], condition=Q(status="scheduled"), name="sched_due"),
        ]

    def __str__(self):
        return f"Scheduled message {self.pk}"


class Segment(models.Model):
    """A saved filter over fans (crm.filters.FanFilterSet's parameters). The filters name tags,
    platforms, statuses, amounts and dates, never a fan: a free-text search is not saved."""

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="segments")
    name = models.CharField(max_length=100)
    filters = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["creator", "name"], name="segment_unique_name")]

    def __str__(self):
        return self.name


class MassMessage(models.Model):
    """One text to many fans: one outgoing message per recipient, created by the worker at a
    throttled pace through message_add (delivery included)."""

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="mass_messages")
    segment = models.ForeignKey(Segment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    audience = models.CharField(max_length=120, blank=True)  # "Segment “Whales”" or "5 selected fans"
    text = models.TextField()
    price_cents = models.PositiveBigIntegerField(default=0)
    # The file every recipient gets a copy of (checked once at creation, like a message's).
    attachment = models.FileField(upload_to=mass_attachment_path, blank=True, max_length=255)
    attachment_name = models.CharField(max_length=255, blank=True)
    attachment_size = models.PositiveBigIntegerField(null=True, blank=True)
    send_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=MassMessageStatus.choices, default=MassMessageStatus.RUNNING)
    progress_at = models.DateTimeField(null=True, blank=True)  # the runner's last step (the sweeper's clock)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "progress_at"], name="mass_open", condition=Q(status__in=["scheduled", "running"]))]

    def __str__(self):
        return f"Mass message {self.pk}"


class MassMessageRecipient(models.Model):
    """One fan of a mass message. Unique per fan, and moved from `pending` in the same
    transaction that creates its message: nobody is messaged twice, even by two runners."""

    mass_message = models.ForeignKey(MassMessage, on_delete=models.CASCADE, related_name="recipients")
    fan = models.ForeignKey(Fan, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=RecipientStatus.choices, default=RecipientStatus.PENDING)
    skip_reason = models.CharField(max_length=20, choices=SkipReason.choices, blank=True)
    message = models.OneToOneField(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["mass_message", "fan"], name="recipient_unique_fan")]
        indexes = [models.Index(fields=["mass_message", "status", "id"], name="recipient_status")]

    def __str__(self):
        return f"Recipient {self.pk}"
