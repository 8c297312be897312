"""The public contact page /c/<slug>/: the same service, validation, honeypot and rate limit as
POST /api/contact/submit, rendered as an accessible HTML form (no login, no JavaScript)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from crm import selectors
from crm.contact import CONTACT_THANKS, contact_rate_limit, contact_submit
from crm.forms import ContactForm


def _creator_or_404(slug: str):
    creator = selectors.contactable_creator(slug)
    if creator is None:
        raise Http404("No such contact page")
    return creator


@require_http_methods(["GET", "POST"])
def contact_page(request, slug):
    creator = _creator_or_404(slug)
    if request.method == "GET":
        return _render(request, creator, ContactForm(initial={"model_id": creator.slug}))

    usage = contact_rate_limit(request)
    if usage.exceeded:
        response = _render(
            request, creator, ContactForm(data=request.POST), status=429,
            error="Too many messages from your network. Please try again later.",
        )
        response["Retry-After"] = str(usage.retry_after)
        return response
    data = request.POST.copy()
    data["model_id"] = creator.slug  # the page's creator, never one named in the body
    result = contact_submit(data=data)
    if result.accepted or result.spam:
        # A bot that filled a honeypot sees the same thanks and learns nothing; nothing was stored.
        messages.success(request, CONTACT_THANKS)
        return redirect("contact_page", slug=creator.slug)
    return _render(request, creator, result.form, status=400)


def _render(request, creator, form, *, status=200, error=""):
    return render(
        request, "crm/contact.html", {"creator": creator, "form": form, "error": error}, status=status
    )
