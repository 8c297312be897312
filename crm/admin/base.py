"""Shared pieces of the CRM admin."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied


def cents(value: int | None) -> str:
    return "—" if value is None else f"{value / 100:,.2f}"


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written through their services, never by hand in the back office. Deleting stays
    Django's permission: a fan's or creator's deletion here cascades to them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class LedgerRowAdmin(admin.ModelAdmin):
    """Rows whose removal would leave derived counters wrong (message counts, fan value).

    They go only with their fan, conversation or creator (a cascade, which needs the delete
    permission), never one by one: a refund corrects a transaction.
    """

    def get_actions(self, request, action_location=admin.ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location)
        actions.pop("delete_selected", None)
        return actions

    def delete_view(self, request, object_id, extra_context=None):
        raise PermissionDenied

    def render_change_form(self, request, context, *args, **kwargs):
        context["has_delete_permission"] = False
        return super().render_change_form(request, context, *args, **kwargs)

    def has_change_permission(self, request, obj=None):
        return False
