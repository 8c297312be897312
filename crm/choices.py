from django.db import models


class Platform(models.TextChoices):
    ONLYFANS = "onlyfans", "OnlyFans"
    FANSLY = "fansly", "Fansly"
    PATREON = "patreon", "Patreon"
    INSTAGRAM = "instagram", "Instagram"
    TIKTOK = "tiktok", "TikTok"
    DIRECT = "direct", "Direct"


class ScreeningStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    PENDING_REFERENCES = "pending_references", "Pending references"


class ClientCategory(models.TextChoices):
    UNSCREENED = "unscreened", "Unscreened"
    SCREENED = "screened", "Screened"
    SUBSCRIBER = "subscriber", "Subscriber"


class SubscriptionStatus(models.TextChoices):
    NONE = "none", "None"
    ACTIVE = "active", "Active"
    CANCELED = "canceled", "Canceled"
    PAST_DUE = "past_due", "Past due"


class Direction(models.TextChoices):
    INCOMING = "in", "Incoming"
    OUTGOING = "out", "Outgoing"
    SYSTEM = "system", "System"


class MessageType(models.TextChoices):
    TEXT = "text", "Text"
    IMAGE = "image", "Image"
    FILE = "file", "File"
    SYSTEM = "system", "System"


class TransactionKind(models.TextChoices):
    SUBSCRIPTION = "subscription", "Subscription"
    TIP = "tip", "Tip"
    PPV = "ppv", "Pay-per-view"
    OTHER = "other", "Other"
    REFUND = "refund", "Refund"
    OPENING_BALANCE = "opening_balance", "Opening balance"
