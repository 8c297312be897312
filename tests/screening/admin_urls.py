"""A URLconf with a throwaway admin site whose Fan admin carries the screening inlines, the
way crm/admin/fans.py's FanAdmin does, so the inlines are tested without depending on it."""

from django.contrib import admin
from django.urls import path

from crm.models import Fan
from screening.admin import FAN_SCREENING_ACTIONS, FAN_SCREENING_INLINES

site = admin.AdminSite(name="inline_test_admin")


class FanWithScreeningAdmin(admin.ModelAdmin):
    inlines = [*FAN_SCREENING_INLINES]
    actions = [*FAN_SCREENING_ACTIONS]


site.register(Fan, FanWithScreeningAdmin)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("inline-admin/", site.urls),
]
