"""The durable inbox of platform events: nothing a platform sent is lost."""

from django.db import models
from django.db.models import Q

from crm.models import Creator, Fan

from .choices import EventStatus, IgnoredReason, Provider


class WebhookEvent(models.Model):
    """One change of one delivery, stored before it is acknowledged and processed in the background."""

    provider = models.CharField(max_length=20, choices=Provider.choices)
    event_type = models.CharField(max_length=64)
    external_id = models.CharField(max_length=255, unique=True)
    account_id = models.CharField(max_length=255, blank=True)
    payload = models.JSONField()
    # The platform id of the person the event is from or to (a comment's author, the other party
    # of a DM), read at intake: erasure finds by it the events never processed into their fan.
    party_id = models.CharField(max_length=255, blank=True)
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
    # The id of the task last enqueued for it: the sweeper leaves the event to a task still queued.
    task_result_id = models.CharField(max_length=64, blank=True, editable=False)

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
            models.Index(fields=["account_id", "party_id"], condition=~Q(party_id=""), name="webhook_event_party"),
            models.Index(fields=["received_at"], name="webhook_event_received"),
        ]

    def __str__(self):
        return f"{self.provider}:{self.event_type} {self.external_id}"


class WebhookEventFan(models.Model):
    """An event was processed into this fan (recorded in the processing transaction): erasure
    follows these links to the events that carried the fan's data."""

    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="fan_links")
    fan = models.ForeignKey(Fan, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["event_id", "fan_id"]
        # The unique constraint serves lookups by event; the fan foreign key's own index, by fan.
        constraints = [models.UniqueConstraint(fields=["event", "fan"], name="webhook_event_fan_unique")]

    def __str__(self):
        return f"event {self.event_id} → fan {self.fan_id}"
