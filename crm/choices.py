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


class DeliveryStatus(models.TextChoices):
    """Where an outgoing message stands with its platform (docs/delivery.md).

    `recorded`: stored only (written elsewhere, or the account does not deliver); `queued` → the
    send task will call the platform; `sending`: the call is (or was) in flight; `sent`: the
    platform took it (its id in platform_message_id); `failed`: the platform's reason, whether it
    retries and what to do; `manual`: the platform has no messaging API, a person sends it.
    """

    RECORDED = "recorded", "Recorded"
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    MANUAL = "manual", "Send it yourself"


class ConsentSource(models.TextChoices):
    """Where a fan agreed to be contacted (Fan.consent_*)."""

    CONTACT_FORM = "contact_form", "Contact form"
    VISITOR_CHAT = "visitor_chat", "Visitor chat"
    API = "api", "API"
    MANUAL = "manual", "Recorded by the creator"


class TransactionKind(models.TextChoices):
    SUBSCRIPTION = "subscription", "Subscription"
    TIP = "tip", "Tip"
    PPV = "ppv", "Pay-per-view"
    OTHER = "other", "Other"
    REFUND = "refund", "Refund"
    OPENING_BALANCE = "opening_balance", "Opening balance"


class AuthEventKind(models.TextChoices):
    """What an account-security record says happened (crm.models.AuthEvent)."""

    SIGN_IN = "sign_in", "Signed in"
    SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
    SIGN_IN_THROTTLED = "sign_in_throttled", "Sign-in refused (too many attempts)"
    PASSWORD_CHANGED = "password_changed", "Password changed"
    PASSWORD_RESET_REQUESTED = "password_reset_requested", "Password reset requested"
    PASSWORD_RESET = "password_reset", "Password reset"
    SESSIONS_ENDED = "sessions_ended", "Logged out everywhere"
    SESSION_ENDED = "session_ended", "Session ended"
    TWO_FACTOR_ENABLED = "two_factor_enabled", "Two-factor sign-in turned on"
    TWO_FACTOR_DISABLED = "two_factor_disabled", "Two-factor sign-in turned off"
    RECOVERY_CODES_CREATED = "recovery_codes_created", "New recovery codes"
    RECOVERY_CODE_USED = "recovery_code_used", "Recovery code used"


class SignInSurface(models.TextChoices):
    """Where a credential was presented."""

    PAGE = "page", "Login page"
    ADMIN = "admin", "Admin login"
    API = "api", "/api/auth"
    API_KEYS = "api_keys", "/api/v1/auth keys"
    TWO_FACTOR = "two_factor", "Two-factor step"
    PASSWORD_RESET = "password_reset", "Password reset"
    SETTINGS = "settings", "Settings page"


class Role(models.TextChoices):
    """A member's role in one creator's team (docs/teams.md has what each may do)."""

    OWNER = "owner", "Owner"
    MANAGER = "manager", "Manager"
    CHATTER = "chatter", "Chatter"


class ScheduledStatus(models.TextChoices):
    """A scheduled message (crm.campaigns): waiting, turned into a message, or withdrawn."""

    SCHEDULED = "scheduled", "Scheduled"
    SENT = "sent", "Sent"
    CANCELLED = "cancelled", "Cancelled"
    FAILED = "failed", "Not sent"


class MassMessageStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    RUNNING = "running", "Sending"
    PAUSED = "paused", "Paused"
    STOPPED = "stopped", "Stopped"
    DONE = "done", "Done"


class RecipientStatus(models.TextChoices):
    """A recipient of a mass message: waiting for its turn, given its message, or skipped."""

    PENDING = "pending", "Waiting"
    MESSAGED = "messaged", "Message created"
    SKIPPED = "skipped", "Skipped"


class SkipReason(models.TextChoices):
    NO_CHANNEL = "no_channel", "No delivery channel (OnlyFans, Fansly, Patreon, TikTok, or sending is off)"
    OUTSIDE_WINDOW = "outside_window", "Outside Instagram's 24-hour window"
    NO_FILES = "no_files", "Cannot receive the file there (Instagram sends text only)"
    DO_NOT_CONTACT = "do_not_contact", "Do not contact"
    NO_CONSENT = "no_consent", "No consent"
    REFUSED = "refused", "Refused (the platform's limits)"
    STOPPED = "stopped", "Mass message stopped"
