"""The public contact form: one service for POST /api/contact/submit and the /c/<slug>/ page.

    result = contact_submit(data={...})   # the form's fields; see crm.forms.ContactForm
    result.accepted    -> stored: result.fan, result.conversation, result.message
    result.spam        -> a honeypot was filled: nothing stored
    result.errors      -> [{"field": ..., "message": ...}] (result.form is the bound form)

Rate limiting belongs to the request, so each caller does it first with `contact_rate_limit`
(both callers share one budget per client address). Details: docs/api-v1.md.
"""

from dataclasses import dataclass, field

from django.db import transaction

from core import ratelimit

from . import services
from .choices import ConsentSource, Direction, Platform
from .forms import ContactForm
from .models import Conversation, Fan, Message

CONTACT_RATE = "5/15m"
CONTACT_RATE_GROUP = "contact-form"
CONTACT_THANKS = "Thank you! Your message has been sent."


def contact_rate_limit(request) -> ratelimit.Usage:
    """Count one submission from this client address (5 per 15 minutes)."""
    return ratelimit.per_address(request, group=CONTACT_RATE_GROUP, rate=CONTACT_RATE)


@dataclass(frozen=True)
class ContactResult:
    accepted: bool = False
    spam: bool = False
    errors: list[dict] = field(default_factory=list)
    form: ContactForm | None = None
    fan: Fan | None = None
    fan_created: bool = False
    conversation: Conversation | None = None
    message: Message | None = None


def _form_input(data) -> tuple[dict, list[dict]]:
    """Keep only the form's fields; a JSON value of the wrong type is an error, never str()-ed."""
    values, errors = {}, []
    for name in ContactForm.base_fields:
        value = data.get(name)
        if value is None:
            continue
        if name == "consent_contact" and isinstance(value, bool):
            values[name] = "true" if value else ""
        elif isinstance(value, str):
            values[name] = value
        else:
            errors.append({"field": name, "message": "Must be text."})
    return values, errors


def form_errors(form: ContactForm) -> list[dict]:
    return [
        {"field": name, "message": str(message)}
        for name, messages in form.errors.items()
        for message in messages
    ]


def _message_text(cleaned: dict) -> str:
    # Phone and email stay encrypted on the fan; the message only says how to answer.
    return f"{cleaned['message']}\n\n— Preferred contact: {cleaned['preferred_contact']}"


def contact_submit(*, data) -> ContactResult:
    """Validate a submission; when valid, match or create the fan (crm.services.fan_match_or_create:
    by email, else phone; a new fan is `direct`), reuse their open direct conversation or open
    one, and store the message."""
    values, type_errors = _form_input(data)
    form = ContactForm(data=values)
    # Any value in a honeypot, of any type (a JSON number is not kept in `values`), marks a bot.
    if any(data.get(name) not in (None, "") for name in ContactForm.HONEYPOT_FIELDS):
        return ContactResult(spam=True, form=form)
    valid = form.is_valid()
    errors = type_errors + [
        e for e in form_errors(form) if e["field"] not in {t["field"] for t in type_errors}
    ]
    if not valid or type_errors:
        return ContactResult(errors=errors, form=form)
    cleaned = form.cleaned_data
    with transaction.atomic():
        fan, fan_created = services.fan_match_or_create(
            creator=form.creator, email=cleaned["email"], phone=cleaned["phone"], name=cleaned["name"]
        )
        # The consent the form asked for, in the words it showed.
        services.fan_consent_record(
            fan=fan, source=ConsentSource.CONTACT_FORM, text=str(ContactForm.base_fields["consent_contact"].label)
        )
        conversation, _opened = services.conversation_open(
            fan=fan, platform=Platform.DIRECT, subject=cleaned["subject"], reuse=True
        )
        if cleaned["subject"] and not conversation.subject:
            services.conversation_update(conversation=conversation, subject=cleaned["subject"])
        message = services.message_add(
            conversation=conversation, direction=Direction.INCOMING, text=_message_text(cleaned)
        )
    return ContactResult(
        accepted=True, form=form, fan=fan, fan_created=fan_created, conversation=conversation, message=message
    )
