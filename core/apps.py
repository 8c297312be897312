import logging

from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Installed for its template tags (`{% load formatting %}`), its signal receivers and its one
    migration, which creates the database cache table; it has no models."""

    name = "core"
    verbose_name = "Core"

    def ready(self):
        from .observability import receivers  # noqa: F401 - connects the receivers

        # Warnings go through the logging handlers (JSON in production) instead of bare stderr.
        logging.captureWarnings(True)
