from django.apps import AppConfig
from django.core import checks

from crm.choices import Platform
from crm.extensions import DeliveryTransport, SettingsPanel, delivery_transports, settings_panels

from .checks import check_retention


class WebhooksConfig(AppConfig):
    name = "webhooks"

    def ready(self):
        # Models are loaded only now, so the modules that use them are imported here.
        from core.observability.exposition import register_scrape_collector

        from . import metrics, receivers, views  # noqa: F401 (receivers connects itself)
        from .delivery import COMMENT_MAX_LENGTH, DM_MAX_LENGTH
        from .tasks import enqueue_delivery

        register_scrape_collector(metrics.event_backlog_metrics)

        checks.register(check_retention)

        settings_panels.register(
            "instagram-activity",
            SettingsPanel(section="instagram", template="webhooks/account_activity.html", context=views.account_activity_panel),
            order=10,
        )
        delivery_transports.register(
            "instagram",
            DeliveryTransport(
                platform=Platform.INSTAGRAM,
                enqueue=enqueue_delivery,
                max_length=DM_MAX_LENGTH,
                comment_max_length=COMMENT_MAX_LENGTH,
            ),
            order=10,
        )
