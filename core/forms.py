"""What every HTML form shares: unique element ids on a page of several forms, and a service's
refusal shown next to the field it names."""

from django import forms
from django.core.exceptions import ValidationError

from .exceptions import ApplicationError


class PageForm(forms.Form):
    """A form sharing a page with others: its own id prefix keeps label/input ids unique."""

    id_prefix = ""

    def __init__(self, *args, **kwargs):
        if self.id_prefix:
            kwargs.setdefault("auto_id", f"id_{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


def add_service_error(form: forms.Form, exc: ApplicationError | ValidationError) -> None:
    """Show a service's refusal next to the field it names, else above the form."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc)
        return
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)
