"""The durable inbox of platform events: nothing a platform sent is lost."""

from django.db import models
from django.db.models import Q

from crm.models import Creator

from .choices import EventStatus, IgnoredReason, Provider


class WebhookEvent(models.Model):
    """One change of one delivery, stored before it is acknowledged and processed in the background."""

    provider = models.CharField(max_length=20, choices=Provider.choices)
    event_type = models.CharField(max_length=64)
    external_id = models.CharField(max_length=255, unique=True)
    account_id = models.CharField(max_length=255, blank=True)
    payload = models.JSONField()
    creator = models.ForeignKey(Creator, null=True, blank=True, on_delete=models.CASCADE, related_name="webhook_events")
    status = models.CharField(max_length=16, choices=EventStatus.choices, default=EventStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # When the sweeper next looks at a pending (lost enqueue) or failed (retry due) event.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    ignored_reason = models.CharField(max_length=16, choices=IgnoredReason.choices, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    # X-Request-ID of the delivery that stored it: the worker's log lines about it carry the same id.
    request_id = models.CharField("request ID", max_length=128, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_event_due"),
            models.Index(
                fields=["lease_expires_at"],
                condition=Q(status="processing"),
                name="webhook_event_leased",
            ),
            models.Index(fields=["provider", "account_id", "status"], name="webhook_event_account"),
            models.Index(fields=["creator", "-received_at"], name="webhook_event_creator"),
        ]

    def __str__(self):
        return f"{self.provider}:{self.event_type} {self.external_id}"
