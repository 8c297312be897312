from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"

    def ready(self):
        from . import receivers  # noqa: F401 (connects itself to crm's signals)
