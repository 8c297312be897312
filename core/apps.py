import logging

from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Installed for its template tags (`{% load formatting %}`) and its signal receivers; no models."""

    name = "core"
    verbose_name = "Core"

    def ready(self):
        from .observability import receivers  # noqa: F401 - connects the receivers

        # Warnings go through the logging handlers (JSON in production) instead of bare stderr.
        logging.captureWarnings(True)
