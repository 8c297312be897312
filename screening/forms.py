"""Forms of the fan page's screening section; the rules themselves live in screening.services."""

from django import forms

from core.forms import PageForm
from crm.choices import ClientCategory, ScreeningStatus

from .choices import MethodStatus, MethodType
from .services import MAX_DETAILS_LENGTH


class ScreeningMethodForm(PageForm):
    method_type = forms.ChoiceField(label="Method", choices=MethodType.choices)
    details = forms.CharField(
        required=False, max_length=MAX_DETAILS_LENGTH, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Stored encrypted.",
    )
    status = forms.ChoiceField(choices=MethodStatus.choices, initial=MethodStatus.PENDING)

    def __init__(self, *args, method=None, **kwargs):
        # Each method's form on the page gets its own ids (and the add form its own).
        self.id_prefix = f"method{method.pk}" if method else "newmethod"
        if method is not None:
            kwargs.setdefault(
                "initial", {"method_type": method.method_type, "details": method.details, "status": method.status}
            )
        super().__init__(*args, **kwargs)
        self.method = method


class ScreeningFileForm(PageForm):
    id_prefix = "screeningfile"
    file = forms.FileField(
        label="ID file", help_text="JPG, PNG, PDF, DOC or DOCX, up to 10 MB. Checked by its content."
    )


class ScreeningDecisionForm(PageForm):
    id_prefix = "decision"
    status = forms.ChoiceField(choices=ScreeningStatus.choices)
    client_category = forms.ChoiceField(
        label="Set category", required=False,
        choices=[("", "Automatic (approval: screened)"), *ClientCategory.choices],
    )
