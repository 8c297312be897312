"""The CRM's core data: creators and everything a creator owns about their fans."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from core.crypto import EncryptedTextField
from core.storage import generated_name

from .choices import (
    ClientCategory,
    Direction,
    MessageType,
    Platform,
    ScreeningStatus,
    SubscriptionStatus,
    TransactionKind,
)


def message_attachment_path(instance, filename: str) -> str:
    """A generated storage key; `filename` is only the extension the validator chose from the
    sniffed type, never the user's file name."""
    extension = filename if filename.startswith(".") else ""
    return generated_name("attachments", extension)


class User(AbstractUser):
    """A login. Creators are users with a Creator profile; staff use the admin."""

    email = models.EmailField("email address", unique=True)

    class Meta(AbstractUser.Meta):
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self):
        return self.email or self.username


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
    last_contacted_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
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
    platform_message_id = models.CharField(max_length=255, null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
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
            models.Index(fields=["creator", "occurred_at"], name="txn_creator_occurred"),
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
