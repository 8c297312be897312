"""Re-enqueue webhook events no worker will otherwise pick up again (see services.events_sweep);
with --forever, also apply the retention windows once a day (webhooks.retention)."""

import logging
import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from crm.campaigns import campaigns_sweep
from crm.delivery import deliveries_sweep
from webhooks.retention import retention_apply
from webhooks.services import events_sweep

logger = logging.getLogger("webhooks")
RETENTION_EVERY_SECONDS = 24 * 3600


class Command(BaseCommand):
    help = "Re-enqueue webhook events whose lease expired, whose retry is due or whose enqueue was lost."

    def add_arguments(self, parser):
        parser.add_argument("--forever", action="store_true", help="Sweep every --interval seconds until stopped.")
        parser.add_argument(
            "--interval",
            type=float,
            default=settings.WEBHOOK_SWEEP_INTERVAL_SECONDS,
            help="Seconds between sweeps with --forever (default: %(default)s).",
        )

    def handle(self, *, forever: bool, interval: float, verbosity: int, **options):
        self.running = True
        if forever:
            signal.signal(signal.SIGTERM, self._stop)
            signal.signal(signal.SIGINT, self._stop)
            logger.info("Webhook sweeper started, sweeping every %ss", interval)
        next_retention = time.monotonic()  # at start, then daily
        while True:
            if forever:
                close_old_connections()  # a long-lived process: drop connections the server closed
                if time.monotonic() >= next_retention:
                    next_retention = time.monotonic() + RETENTION_EVERY_SECONDS
                    self._apply_retention()
            try:
                # Deliveries too: a `sending` message whose worker died, retries due, lost enqueues.
                counts = {**events_sweep(), **deliveries_sweep(), **campaigns_sweep()}
            except Exception:
                if not forever:
                    raise
                # A locked or restarting database must not end the sweeper; try again next round.
                logger.exception("Webhook sweep failed")
                counts = {}
            summary = "swept " + " ".join(f"{k}={v}" for k, v in counts.items())
            if not forever:
                self.stdout.write(summary)
                return
            if any(counts.values()) or verbosity > 1:
                logger.info("Webhook %s", summary, extra={"counts": counts})
            deadline = time.monotonic() + max(0.1, interval)
            while self.running and time.monotonic() < deadline:
                time.sleep(min(0.2, interval))
            if not self.running:
                logger.info("Webhook sweeper stopped")
                return

    def _apply_retention(self):
        try:
            counts = retention_apply()
        except Exception:
            # Tomorrow's run, or `manage.py apply_retention`, catches up; the sweep goes on.
            logger.exception("Applying the retention windows failed")
            return
        if any(counts.values()):
            self.stdout.write("retention deleted " + " ".join(f"{k}={v}" for k, v in counts.items()))

    def _stop(self, signum, frame):
        self.running = False
