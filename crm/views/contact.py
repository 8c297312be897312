"""The public page /c/<slug>/: the contact form (the same service, validation, honeypot and rate
limit as POST /api/contact/submit) and the visitor chat beside it (crm.chat, the same services
and limits as /api/chat/*). Both work as plain forms without JavaScript; with it, static/js/chat.js
sends through /api/chat/messages and shows replies live."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from core.exceptions import ApplicationError, Forbidden, InvalidInput, PayloadTooLarge
from core.live.feed import cursor
from core.uploads import ATTACHMENT_KINDS, check_upload
from crm import chat, selectors
from crm.contact import CONTACT_THANKS, contact_rate_limit, contact_submit
from crm.forms import ContactForm

CHAT_HONEYPOTS = ("website", "company")


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


def _visitor(request, creator):
    return chat.chat_visitor(creator=creator, token=request.COOKIES.get(chat.cookie_name(creator)))


def _chat_context(request, creator, visitor) -> dict:
    online = chat.team_online(creator.pk)
    context = {
        "team_online": online, "away_message": "" if online else chat.away_message(creator),
        "consent_text": chat.CONSENT_TEXT,
    }
    if visitor is not None:
        stream = chat.stream_of(visitor.pk)
        context |= {
            "visitor": visitor,
            "live_after": cursor(stream),  # before the rows: nothing falls between page and stream
            "chat_messages": chat.chat_messages(visitor=visitor, limit=500),
            "blocked": chat.visitor_blocked(visitor, address_hash=chat.address_of(request)),
        }
        chat.visitor_seen(visitor)
    return context


def _render(request, creator, form, *, status=200, error="", chat_error="", chat_values=None):
    context = {
        "creator": creator, "form": form, "error": error, "chat_error": chat_error,
        "chat_values": chat_values or {},
        **_chat_context(request, creator, _visitor(request, creator)),
    }
    return render(request, "crm/contact.html", context, status=status)


def _chat_refused(request, creator, exc: ApplicationError, *, values=None):
    return _render(
        request, creator, ContactForm(initial={"model_id": creator.slug}), status=exc.status_code,
        chat_error=exc.message, chat_values=values,
    )


def _too_many(request, creator, usage):
    response = _render(
        request, creator, ContactForm(initial={"model_id": creator.slug}), status=429,
        chat_error="Too many messages. Please wait a moment and try again.",
    )
    response["Retry-After"] = str(usage.retry_after)
    return response


def _back_to_chat(creator):
    return redirect(reverse("contact_page", args=[creator.slug]) + "#chat")


@require_POST
def chat_start(request, slug):
    creator = _creator_or_404(slug)
    values = {"name": request.POST.get("name", ""), "email": request.POST.get("email", "")}
    usage = chat.limit_start(request)
    if usage.exceeded:
        return _too_many(request, creator, usage)
    if any(request.POST.get(name) for name in CHAT_HONEYPOTS):
        return _back_to_chat(creator)  # a bot learns nothing; nothing is stored
    try:
        _visitor_row, token = chat.chat_start(
            creator=creator, name=values["name"], email=values["email"],
            consent=request.POST.get("consent") == "on", address_hash=chat.address_of(request),
        )
    except ApplicationError as exc:
        return _chat_refused(request, creator, exc, values=values)
    response = _back_to_chat(creator)
    response.set_cookie(
        chat.cookie_name(creator), token, max_age=settings.CHAT_RETENTION_DAYS * 86400 or None,
        httponly=True, secure=request.is_secure(), samesite="Lax", path="/",
    )
    return response


@require_POST
def chat_send(request, slug):
    creator = _creator_or_404(slug)
    visitor = _visitor(request, creator)
    if visitor is None:
        return _back_to_chat(creator)
    try:
        if int(request.META.get("CONTENT_LENGTH") or 0) > settings.CHAT_MAX_BODY_BYTES:
            raise PayloadTooLarge("The files are too large together (at most 50 MB a message)")
        address = chat.address_of(request)
        if chat.visitor_blocked(visitor, address_hash=address):
            raise Forbidden(chat.BLOCKED)
        uploads = request.FILES.getlist("files")
        usage = chat.limit_message(request, visitor)
        if not usage.exceeded and uploads:
            usage = chat.limit_files(request, visitor, len(uploads))
        if usage.exceeded:
            return _too_many(request, creator, usage)
        checked = [check_upload(f, kinds=ATTACHMENT_KINDS) for f in uploads[: chat.MAX_FILES_PER_MESSAGE + 1]]
        if len(uploads) > chat.MAX_FILES_PER_MESSAGE:
            raise InvalidInput(f"At most {chat.MAX_FILES_PER_MESSAGE} files a message")
        chat.chat_send(visitor=visitor, text=request.POST.get("text", ""), files=checked, address_hash=address)
    except ApplicationError as exc:
        return _chat_refused(request, creator, exc)
    return _back_to_chat(creator)


@require_POST
def chat_email(request, slug):
    creator = _creator_or_404(slug)
    visitor = _visitor(request, creator)
    if visitor is None:
        return _back_to_chat(creator)
    try:
        chat.chat_leave_email(visitor=visitor, email=request.POST.get("email", ""), address_hash=chat.address_of(request))
    except ApplicationError as exc:
        return _chat_refused(request, creator, exc)
    messages.success(request, "Thank you: we will answer you at that address.")
    return _back_to_chat(creator)
