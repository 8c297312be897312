"""The revenue ledger: append-only, through services.transaction_record."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied

from core.exceptions import ApplicationError
from crm import services
from crm.models import Transaction
from crm.validators import validate_occurred_at

from .base import LedgerRowAdmin, cents


@admin.register(Transaction)
class TransactionAdmin(LedgerRowAdmin):
    """The ledger is append-only here; adding goes through services.transaction_record."""

    list_display = ("id", "occurred_at", "kind", "amount", "fan", "creator", "platform", "external_id")
    list_select_related = ("fan", "creator")
    list_filter = ("kind", "platform")
    search_fields = ("external_id", "fan__name", "fan__handle", "creator__slug")
    autocomplete_fields = ("fan", "message")
    fields = ("fan", "kind", "amount_cents", "platform", "external_id", "occurred_at", "message", "created_at")
    readonly_fields = ("created_at",)
    date_hierarchy = "occurred_at"
    show_full_result_count = False

    @admin.display(description="amount", ordering="amount_cents")
    def amount(self, txn: Transaction) -> str:
        return cents(-txn.amount_cents if txn.kind == "refund" else txn.amount_cents)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if "platform" in form.base_fields:
            form.base_fields["platform"].required = False
            form.base_fields["platform"].help_text = "Empty: the fan's platform."
        if "occurred_at" in form.base_fields:
            # A fresh list: base_fields belong to this generated form class only.
            field = form.base_fields["occurred_at"]
            field.validators = [*field.validators, validate_occurred_at]
        return form

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        message = data.get("message")
        if message is not None and message.fan_id != data["fan"].pk:
            message = None
        try:
            txn, created = services.transaction_record(
                fan=data["fan"],
                kind=data["kind"],
                amount_cents=data["amount_cents"],
                platform=data.get("platform") or None,
                external_id=data.get("external_id") or None,
                occurred_at=data.get("occurred_at"),
                message=message,
            )
        except ApplicationError as exc:
            raise PermissionDenied(exc.message) from exc
        if not created:
            self.message_user(request, "A transaction with this external id already existed.", messages.WARNING)
        obj.pk = txn.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def get_changeform_initial_data(self, request):
        return {"platform": ""}
