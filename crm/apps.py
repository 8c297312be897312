from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = "CRM"
    default = True

    def ready(self):
        from . import chat, live, receivers  # noqa: F401 - connect the receivers


class CrmAdminConfig(admin_apps.AdminConfig):
    """Django's admin whose default site asks staff for a second factor (crm.admin_site);
    INSTALLED_APPS names it in place of django.contrib.admin."""

    default = False
    default_site = "crm.admin_site.CrmAdminSite"
