"""Fans list, fan page (profile, tags, notes, transactions, conversations) and fan deletion."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from core.exceptions import ApplicationError
from core.forms import add_service_error
from core.templatetags.formatting import money
from crm import campaigns, selectors, services
from crm.extensions import fan_page_sections
from crm.forms import DoNotContactForm, FanForm, FanNotesForm, FanTagsForm, TransactionForm
from crm.teams import policy
from crm.teams.policy import Action

from .common import creator_page, list_page_context

# `?edit` on the fan page opens its profile form (where GET /fans/<id>/edit leads).
PROFILE_OPEN = "edit"


@creator_page(Action.FANS_READ)
def fan_list(request, creator):
    context = list_page_context(
        request,
        creator,
        filters=selectors.fan_filterset(creator=creator, data=request.GET),
        sorts=selectors.FAN_SORTS,
        default_sort=selectors.DEFAULT_FAN_SORT,
        read_page=selectors.fans_page,
    )
    context["is_filtered"] = any(v for k, v in request.GET.items() if k not in ("sort", "after", "before"))
    return render(request, "crm/fans/list.html", context)


@creator_page(Action.FANS_WRITE)
@require_http_methods(["GET", "POST"])
def fan_create(request, creator):
    form = FanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            fan = services.fan_create(
                creator=creator, tags=form.cleaned_data["tags"], decided_by=request.user, **form.profile()
            )
        except (ApplicationError, ValidationError) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"Fan “{fan.name}” created.")
            return redirect("fan_detail", fan_id=fan.pk)
    return render(request, "crm/fans/new.html", {"form": form}, status=400 if form.errors else 200)


def render_fan_page(request, creator, fan, **forms):
    """The fan page with its sections; forms that failed validation are passed in to re-render."""
    transactions = selectors.fan_transactions_page(
        fan=fan, after=request.GET.get("tx_after", ""), before=request.GET.get("tx_before", "")
    )
    context = {
        "fan": fan,
        "profile_form": forms.get("profile_form") or FanForm(initial=FanForm.initial_for(fan)),
        "notes_form": forms.get("notes_form") or FanNotesForm(initial={"notes": fan.notes}),
        "tags_form": forms.get("tags_form") or FanTagsForm(initial={"tags": ", ".join(getattr(fan, "tag_names", []))}),
        "transaction_form": forms.get("transaction_form") or TransactionForm(),
        "dnc_form": forms.get("dnc_form")
        or DoNotContactForm(initial={"do_not_contact": fan.do_not_contact, "reason": fan.do_not_contact_reason}),
        "transactions": transactions,
        "conversations": selectors.fan_conversations(fan=fan),
        "tag_names": selectors.creator_tag_names(creator=creator),
        "fan_sections": [
            section for section in fan_page_sections if section.action is None or policy.can(request.member, section.action)
        ],
        "profile_open": PROFILE_OPEN in request.GET,
    }
    for section in context["fan_sections"]:  # the sections other apps add (crm.extensions)
        context.update(section.context(fan, forms))
    status = 400 if any(f.errors for f in forms.values()) else 200
    return render(request, "crm/fans/detail.html", context, status=status)


@creator_page(Action.FANS_READ)
def fan_detail(request, creator, fan_id):
    fan = selectors.fan_with_tags(creator=creator, fan_id=fan_id)
    return render_fan_page(request, creator, fan)


@creator_page(Action.FANS_WRITE)
@require_http_methods(["GET", "POST"])
def fan_edit(request, creator, fan_id):
    if request.method == "GET":
        # The form lives in the fan page's profile section: a bookmarked or typed edit URL opens it.
        fan = selectors.fan_get(creator=creator, fan_id=fan_id)  # a foreign id: 404 as everywhere
        return redirect(reverse("fan_detail", kwargs={"fan_id": fan.pk}) + f"?{PROFILE_OPEN}#profile")
    fan = selectors.fan_with_tags(creator=creator, fan_id=fan_id)
    form = FanForm(request.POST, initial=FanForm.initial_for(fan))
    if form.is_valid():
        try:
            services.fan_update(fan=fan, tags=form.cleaned_data["tags"], decided_by=request.user, **form.profile())
        except (ApplicationError, ValidationError) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "Profile saved.")
            return redirect("fan_detail", fan_id=fan.pk)
        fan.refresh_from_db()
    return render_fan_page(request, creator, fan, profile_form=form)


@creator_page(Action.FANS_TAG)
@require_POST
def fan_tags(request, creator, fan_id):
    """A fan's tags alone (the fan page's tag form for roles that do not edit the profile)."""
    fan = selectors.fan_with_tags(creator=creator, fan_id=fan_id)
    form = FanTagsForm(request.POST)
    if form.is_valid():
        try:
            services.fan_update(fan=fan, tags=form.cleaned_data["tags"])
        except (ApplicationError, ValidationError) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "Tags saved.")
            return redirect("fan_detail", fan_id=fan.pk)
    return render_fan_page(request, creator, fan, tags_form=form)


@creator_page(Action.FANS_NOTES)
@require_POST
def fan_notes(request, creator, fan_id):
    fan = selectors.fan_with_tags(creator=creator, fan_id=fan_id)
    form = FanNotesForm(request.POST)
    if form.is_valid():
        services.fan_update(fan=fan, notes=form.cleaned_data["notes"])
        messages.success(request, "Notes saved.")
        return redirect("fan_detail", fan_id=fan.pk)
    return render_fan_page(request, creator, fan, notes_form=form)


@creator_page(Action.FANS_WRITE)
@require_POST
def fan_do_not_contact(request, creator, fan_id):
    fan = selectors.fan_with_tags(creator=creator, fan_id=fan_id)
    form = DoNotContactForm(request.POST)
    if form.is_valid():
        services.fan_do_not_contact(
            fan=fan, do_not_contact=form.cleaned_data["do_not_contact"], reason=form.cleaned_data["reason"]
        )
        messages.success(request, "Marked do-not-contact." if fan.do_not_contact else "Do-not-contact cleared.")
        return redirect(f"{reverse('fan_detail', args=[fan.pk])}#contact-permission")
    return render_fan_page(request, creator, fan, dnc_form=form)


@creator_page(Action.MONEY_RECORD)
@require_POST
def fan_transaction_record(request, creator, fan_id):
    fan = selectors.fan_with_tags(creator=creator, fan_id=fan_id)
    form = TransactionForm(request.POST)
    if form.is_valid():
        try:
            message_id = form.cleaned_data.get("message_id")
            message = campaigns.ppv_message_for(fan=fan, message_id=message_id) if message_id else None
            txn, created = services.transaction_record(fan=fan, message=message, **form.service_kwargs())
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            if created:
                messages.success(request, f"{txn.get_kind_display()} of {money(txn.amount_cents)} recorded.")
            else:
                messages.warning(request, "A transaction with this external id was already recorded.")
            return redirect("fan_detail", fan_id=fan.pk)
    return render_fan_page(request, creator, fan, transaction_form=form)


@creator_page(Action.INBOX_REPLY)
@require_POST
def fan_conversation_open(request, creator, fan_id):
    """Message a fan: their open conversation on their platform, or a new one."""
    fan = selectors.fan_get(creator=creator, fan_id=fan_id)  # no tags shown: no tag query
    conversation, _created = services.conversation_open(fan=fan)
    return redirect("thread", conversation_id=conversation.pk)


@creator_page(Action.FANS_DELETE)
@require_http_methods(["GET", "POST"])
def fan_delete(request, creator, fan_id):
    fan = selectors.fan_get(creator=creator, fan_id=fan_id)  # no tags shown: no tag query
    if request.method == "POST":
        services.fan_delete(fan=fan)
        # No name: the message waits in a cookie or the session, and nothing of the fan may stay.
        messages.success(request, "Fan deleted.")
        return redirect("fan_list")
    return render(request, "crm/fans/delete.html", {"fan": fan})
