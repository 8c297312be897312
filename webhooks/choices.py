from django.db import models


class Provider(models.TextChoices):
    INSTAGRAM = "instagram", "Instagram"


class EventStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PROCESSING = "processing", "Processing"
    PROCESSED = "processed", "Processed"
    IGNORED = "ignored", "Ignored"
    FAILED = "failed", "Failed (will retry)"
    DEAD = "dead", "Dead (gave up)"
    # The fan it concerned was deleted: the payload is gone, the external id stays, so a
    # redelivery is recognised as seen and a replay can never bring the fan back.
    ERASED = "erased", "Erased (its fan was deleted)"


# What retention deletes once old enough; pending, processing and failed events are work.
FINISHED_STATUSES = (EventStatus.PROCESSED, EventStatus.IGNORED, EventStatus.DEAD, EventStatus.ERASED)


class IgnoredReason(models.TextChoices):
    """Why an event is `ignored`: only `no_account` events are replayed when the account connects."""

    NO_ACCOUNT = "no_account", "No connected account"
    UNSUPPORTED = "unsupported", "Unsupported event"
    STAFF = "staff", "Ignored by staff"


class Field(models.TextChoices):
    """The Instagram webhook fields this system understands (`messaging` covers DM items)."""

    COMMENTS = "comments", "Comments"
    MENTIONS = "mentions", "Mentions"
    MEDIA = "media", "Media"
    MESSAGING = "messaging", "Messaging"


# Fields recorded as the account's activity (no fan invented), listed on the settings page.
ACTIVITY_FIELDS = (Field.MENTIONS, Field.MEDIA)
