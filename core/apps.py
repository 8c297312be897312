from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Installed for its template tags (`{% load formatting %}`) and its one migration, which
    creates the database cache table; it has no models."""

    name = "core"
    verbose_name = "Core"
