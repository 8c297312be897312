"""System checks of the webhook settings (registered in WebhooksConfig.ready)."""

from django.conf import settings
from django.core import checks

# Meta retries a delivery for up to 36 hours; the stored event is what recognises a redelivery.
MIN_EVENT_RETENTION_DAYS = 2


def check_retention(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    problems = []
    if settings.WEBHOOK_EVENT_RETENTION_DAYS < MIN_EVENT_RETENTION_DAYS:
        problems.append(
            checks.Error(
                f"WEBHOOK_EVENT_RETENTION_DAYS must be at least {MIN_EVENT_RETENTION_DAYS}: Meta redelivers an "
                "event for up to 36 hours, and a deleted event would be stored and processed again.",
                id="webhooks.E001",
            )
        )
    if settings.TASK_RESULT_RETENTION_DAYS < 0:
        problems.append(checks.Error("TASK_RESULT_RETENTION_DAYS cannot be negative.", id="webhooks.E002"))
    return problems
