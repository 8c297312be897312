from django.apps import AppConfig
from django.core import checks

from crm.extensions import SettingsPanel, settings_panels

from .checks import check_retention


class WebhooksConfig(AppConfig):
    name = "webhooks"

    def ready(self):
        # Models are loaded only now, so the modules that use them are imported here.
        from . import receivers, views  # noqa: F401 (receivers connects itself)

        checks.register(check_retention)

        settings_panels.register(
            "instagram-activity",
            SettingsPanel(section="instagram", template="webhooks/account_activity.html", context=views.account_activity_panel),
            order=10,
        )
