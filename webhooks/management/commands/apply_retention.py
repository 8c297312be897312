"""Delete what is past its retention: finished webhook events, task results and live feed events
(webhooks.retention).

`sweep_webhooks --forever` does this once a day; this command does it now (cron, or by hand).
"""

from django.core.management.base import BaseCommand

from webhooks.retention import retention_apply


class Command(BaseCommand):
    help = (
        "Delete processed, ignored, dead and erased webhook events older than WEBHOOK_EVENT_RETENTION_DAYS "
        "finished task results older than TASK_RESULT_RETENTION_DAYS, and live-update feed events older "
        "than LIVE_FEED_RETENTION_HOURS."
    )

    def handle(self, **options):
        counts = retention_apply()
        self.stdout.write("deleted " + " ".join(f"{k}={v}" for k, v in counts.items()))
