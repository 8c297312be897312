from django.apps import AppConfig

from crm.extensions import FanPageSection, fan_admin_actions, fan_admin_inlines, fan_page_sections
from crm.teams.policy import Action


class ScreeningConfig(AppConfig):
    name = "screening"

    def ready(self):
        # Models are loaded only now, so the modules that use them are imported here.
        from . import admin, receivers, views  # noqa: F401 (receivers connects itself)

        fan_page_sections.register(
            "screening",
            FanPageSection(
                anchor="screening", title="Screening", template="screening/fan_section.html",
                context=views.section_context,
                action=Action.SCREENING_READ,  # chatters see no screening files or details
            ),
            order=10,
        )
        for order, inline in enumerate(admin.FAN_SCREENING_INLINES):
            fan_admin_inlines.register(inline.__name__, inline, order=10 + order)
        for order, action in enumerate(admin.FAN_SCREENING_ACTIONS):
            fan_admin_actions.register(action.__name__, action, order=10 + order)
