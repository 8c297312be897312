"""Delete sign-in and security events older than AUTH_EVENT_RETENTION_DAYS (default 90).

Run it daily (cron or a systemd timer), next to Django's `clearsessions` and simplejwt's
`flushexpiredtokens`.
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from crm.security.events import auth_events_purge


class Command(BaseCommand):
    help = "Delete sign-in and security events older than AUTH_EVENT_RETENTION_DAYS."

    def handle(self, *args, **options):
        deleted = auth_events_purge()
        days = settings.AUTH_EVENT_RETENTION_DAYS
        self.stdout.write(f"Deleted {deleted} security event(s) older than {days} days.")
