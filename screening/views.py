"""The fan page's screening section: methods, ID files (upload, download, delete) and the decision.

Every view reads through screening.selectors (another creator's fan, method or file is a 404)
and writes through screening.services, then redirects back to the section (POST-redirect-GET).
A form that fails re-renders the whole fan page with its errors next to the fields.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from core.exceptions import ApplicationError
from core.forms import add_service_error
from crm import selectors as crm_selectors
from crm import services as crm_services
from crm.teams.policy import Action
from crm.views.common import creator_page
from crm.views.fans import render_fan_page

from . import selectors, services
from .downloads import screening_file_response
from .forms import ScreeningDecisionForm, ScreeningFileForm, ScreeningMethodForm


def section_context(fan, forms: dict) -> dict:
    """What the fan page shows in its screening section (2 queries: the fan is the page's own)."""
    info = selectors.screening_info(fan=fan)
    failed_method = forms.get("method_form")
    method_forms = [
        failed_method if failed_method is not None and failed_method.method == method else ScreeningMethodForm(method=method)
        for method in info.methods
    ]
    return {
        "screening": info,
        "method_forms": method_forms,
        "new_method_form": forms.get("new_method_form") or ScreeningMethodForm(),
        "screening_file_form": forms.get("screening_file_form") or ScreeningFileForm(),
        "decision_form": forms.get("decision_form")
        or ScreeningDecisionForm(initial={"status": fan.screening_status}),
    }


def _back(fan_id):
    return redirect(f"/fans/{fan_id}/#screening")


def _rerender(request, creator, fan_id, **forms):
    fan = crm_selectors.fan_with_tags(creator=creator, fan_id=fan_id)
    return render_fan_page(request, creator, fan, **forms)


@creator_page(Action.SCREENING_WRITE)
@require_POST
def method_add(request, creator, fan_id):
    fan = selectors.screening_client_get(creator=creator, fan_id=fan_id)
    form = ScreeningMethodForm(request.POST)
    if form.is_valid():
        try:
            services.screening_method_add(fan=fan, **form.cleaned_data)
        except (ApplicationError, ValidationError) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "Screening method added.")
            return _back(fan.pk)
    return _rerender(request, creator, fan.pk, new_method_form=form)


@creator_page(Action.SCREENING_WRITE)
@require_POST
def method_update(request, creator, fan_id, method_id):
    method = selectors.screening_method_get(creator=creator, fan_id=fan_id, method_id=method_id)
    form = ScreeningMethodForm(request.POST, method=method)
    if form.is_valid():
        try:
            services.screening_method_update(method=method, **form.cleaned_data)
        except (ApplicationError, ValidationError) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "Screening method updated.")
            return _back(method.fan.pk)
    return _rerender(request, creator, method.fan.pk, method_form=form)


@creator_page(Action.SCREENING_WRITE)
@require_POST
def method_delete(request, creator, fan_id, method_id):
    method = selectors.screening_method_get(creator=creator, fan_id=fan_id, method_id=method_id)
    services.screening_method_delete(method=method)
    messages.success(request, "Screening method removed.")
    return _back(method.fan.pk)


@creator_page(Action.SCREENING_WRITE)
@require_POST
def file_upload(request, creator, fan_id):
    fan = selectors.screening_client_get(creator=creator, fan_id=fan_id)
    form = ScreeningFileForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.screening_file_upload(fan=fan, upload=form.cleaned_data["file"], uploaded_by=request.user)
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"File “{form.cleaned_data['file'].name}” uploaded.")
            return _back(fan.pk)
    return _rerender(request, creator, fan.pk, screening_file_form=form)


@creator_page(Action.SCREENING_READ)
def file_download(request, creator, fan_id, file_id):
    screening_file = selectors.screening_file_get(creator=creator, fan_id=fan_id, file_id=file_id)
    return screening_file_response(screening_file)


@creator_page(Action.SCREENING_WRITE)
@require_POST
def file_delete(request, creator, fan_id, file_id):
    screening_file = selectors.screening_file_get(creator=creator, fan_id=fan_id, file_id=file_id)
    name = screening_file.original_name
    services.screening_file_delete(screening_file=screening_file)
    messages.success(request, f"File “{name}” deleted.")
    return _back(fan_id)


@creator_page(Action.SCREENING_WRITE)
@require_POST
def decide(request, creator, fan_id):
    fan = selectors.screening_client_get(creator=creator, fan_id=fan_id)
    form = ScreeningDecisionForm(request.POST)
    if form.is_valid():
        try:
            fan = crm_services.fan_screening_decide(
                fan=fan,
                status=form.cleaned_data["status"],
                decided_by=request.user,
                client_category=form.cleaned_data["client_category"] or None,
            )
        except (ApplicationError, ValidationError) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"Screening {fan.get_screening_status_display().lower()}.")
            return _back(fan.pk)
    return _rerender(request, creator, fan.pk, decision_form=form)
