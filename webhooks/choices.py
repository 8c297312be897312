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
