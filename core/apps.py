import logging

from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Installed for its template tags (`{% load formatting %}`), its signal receivers and its
    migrations: the database cache table, and the live-update feed (core.live, its one model)."""

    name = "core"
    verbose_name = "Core"

    def ready(self):
        from .observability import receivers  # noqa: F401 - connects the receivers

        # Warnings go through the logging handlers (JSON in production) instead of bare stderr.
        logging.captureWarnings(True)
