"""Campaigns pages: scheduled messages, segments, mass messages and their reports."""

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from core.exceptions import ApplicationError, NotFound
from core.lookups import owned_get, parse_id
from core.uploads import ATTACHMENT_KINDS, check_upload
from crm import campaigns, live, selectors
from crm.choices import MassMessageStatus, ScheduledStatus, SkipReason
from crm.filters import FanFilterSet
from crm.forms import parse_local_datetime
from crm.models import MassMessage, Message, ScheduledMessage, Segment
from crm.teams.policy import Action

from .common import creator_page

MEMBERS_SHOWN = 100
RECIPIENTS_SHOWN = 500


def _segment(creator, segment_id) -> Segment:
    return owned_get(Segment.objects.filter(creator=creator), segment_id, "Segment not found")


def _mass(creator, mass_id) -> MassMessage:
    return owned_get(MassMessage.objects.filter(creator=creator).select_related("segment"), mass_id, "Mass message not found")


def _scheduled(creator, scheduled_id) -> ScheduledMessage:
    return owned_get(ScheduledMessage.objects.filter(creator_id=creator.pk), scheduled_id, "Scheduled message not found")


def _segment_form(data=None):
    form = FanFilterSet(data=data or {}, queryset=None).form
    del form.fields["q"]  # a segment never saves a free-text search (it may name a fan)
    return form


@creator_page(Action.CAMPAIGNS)
def campaigns_page(request, creator):
    return _render_index(request, creator)


def _render_index(request, creator, *, segment_form=None, segment_error="", segment_name=""):
    segments = list(Segment.objects.filter(creator=creator))
    for segment in segments:
        segment.count = campaigns.segment_count(segment=segment)
    scheduled = ScheduledMessage.objects.filter(creator_id=creator.pk, status=ScheduledStatus.SCHEDULED).select_related("fan")
    ppv_messages = Message.objects.filter(creator=creator, direction="out", price_cents__gt=0)
    context = {
        "segments": segments,
        "segment_form": segment_form or _segment_form(),
        "segment_error": segment_error,
        "segment_name": segment_name,
        "scheduled": scheduled[:200],
        "recent_scheduled": ScheduledMessage.objects.filter(creator_id=creator.pk)
        .exclude(status=ScheduledStatus.SCHEDULED)
        .select_related("fan")
        .order_by("-updated_at")[:20],
        "mass_messages": MassMessage.objects.filter(creator=creator)[:50],
        "ppv": campaigns.ppv_report(messages=ppv_messages),
        "ppv_rows": campaigns.ppv_message_rows(creator=creator),
        "timezone_name": creator.timezone,
    }
    return render(request, "crm/campaigns/index.html", context, status=400 if segment_error else 200)


@creator_page(Action.CAMPAIGNS)
@require_POST
def segment_create(request, creator):
    form = _segment_form(request.POST)
    filters = {name: request.POST.get(name, "") for name in campaigns.SEGMENT_FILTERS}
    try:
        segment = campaigns.segment_save(creator=creator, name=request.POST.get("name", ""), filters=filters)
    except ApplicationError as exc:
        return _render_index(
            request, creator, segment_form=form, segment_error=exc.message, segment_name=request.POST.get("name", "")
        )
    messages.success(request, f"Segment “{segment.name}” saved.")
    return redirect("segment_detail", segment_id=segment.pk)


@creator_page(Action.CAMPAIGNS)
def segment_detail(request, creator, segment_id):
    segment = _segment(creator, segment_id)
    members = campaigns.segment_fans(segment=segment)
    count = members.order_by().count()
    context = {
        "segment": segment,
        "count": count,
        "members": members.order_by("name", "id")[:MEMBERS_SHOWN],
        "shown": min(count, MEMBERS_SHOWN),
        "filter_labels": _filter_labels(segment.filters),
    }
    return render(request, "crm/campaigns/segment.html", context)


def _filter_labels(filters: dict) -> list[tuple[str, str]]:
    form = _segment_form()
    return [(form.fields[name].label or name.replace("_", " "), value) for name, value in filters.items() if name in form.fields]


@creator_page(Action.CAMPAIGNS)
@require_POST
def segment_delete(request, creator, segment_id):
    segment = _segment(creator, segment_id)
    campaigns.segment_delete(segment=segment)
    messages.success(request, f"Segment “{segment.name}” deleted.")
    return redirect("campaigns")


def _price_cents(raw: str) -> int:
    raw = (raw or "").strip()
    if not raw:
        return 0
    try:
        price = Decimal(raw)
    except InvalidOperation:
        raise ApplicationError("Invalid price: a number of dollars, e.g. 9.99") from None
    if price <= 0 or price > 100000 or price.as_tuple().exponent < -2:
        raise ApplicationError("Invalid price: between 0.01 and 100000 dollars, at most 2 decimals")
    return int(price * 100)


def _selected_fan_ids(creator, values: list[str]) -> list[int] | None:
    """The creator's fans among the ids ticked on the fans page (None: no selection). Another
    creator's or a malformed id is dropped: the page only ever offers the creator's own."""
    if not values:
        return None
    ids = {pk for pk in (parse_id(value) for value in values[: settings.MASS_MESSAGE_MAX_RECIPIENTS + 1]) if pk}
    return sorted(selectors.fans_list(creator=creator).filter(pk__in=ids).values_list("pk", flat=True))


@creator_page(Action.CAMPAIGNS)
@require_http_methods(["GET", "POST"])
def mass_message_new(request, creator):
    data = request.POST if request.method == "POST" else request.GET
    segments = list(Segment.objects.filter(creator=creator))
    context = {
        "segments": segments,
        "values": {key: data.get(key, "") for key in ("segment", "text", "price", "send_at")},
        "timezone_name": creator.timezone,
        "error": "",
        "skip_labels": dict(SkipReason.choices),
    }
    segment, audience = None, None
    selected = _selected_fan_ids(creator, data.getlist("fan"))
    if selected is not None:
        # Fans ticked on the fans page: the selection, not a segment, is the audience.
        context["selected"] = selected
        if not selected:
            context["error"] = "Select fans on the fans page: none of these is one of your fans"
        audience = selectors.fans_list(creator=creator).filter(pk__in=selected)
    elif data.get("segment"):
        try:
            segment = _segment(creator, data["segment"])
            audience = campaigns.segment_fans(segment=segment)
        except NotFound:
            context["error"] = "Choose one of your segments"
    action = request.POST.get("action", "preview") if request.method == "POST" else ""
    upload = request.FILES.get("attachment")
    if audience is not None:
        context["estimate"] = campaigns.audience_estimate(creator=creator, fans=audience, has_attachment=upload is not None)
    if action and not context["error"]:
        try:
            price_cents = _price_cents(data.get("price", ""))
            send_at = parse_local_datetime(data.get("send_at", ""), creator.timezone)
            sample = audience.first() if audience is not None else None
            if action == "preview":
                context["preview"] = campaigns.mass_message_preview(creator=creator, text=data.get("text", ""), fan=sample)
            elif action == "test":
                campaigns.mass_message_test_send(creator=creator, text=data.get("text", ""), fan=sample)
                context["preview"] = campaigns.mass_message_preview(creator=creator, text=data.get("text", ""), fan=sample)
                context["test_sent"] = creator.user.email
            elif action == "send":
                if audience is None:
                    raise ApplicationError("Choose a segment")
                # Checked by content before anything is written (core.uploads), as in the inbox.
                attachment = check_upload(upload, kinds=ATTACHMENT_KINDS, label="Attachment") if upload else None
                mass = campaigns.mass_message_create(
                    creator=creator, text=data.get("text", ""), segment=segment, fan_ids=selected,
                    price_cents=price_cents, send_at=send_at, attachment=attachment,
                )
                messages.success(request, "Mass message scheduled." if send_at else "Mass message started.")
                return redirect("mass_message_detail", mass_id=mass.pk)
        except ValidationError as exc:
            context["error"] = exc.messages[0]
        except ApplicationError as exc:
            context["error"] = exc.message
    return render(request, "crm/campaigns/mass_new.html", context, status=400 if context["error"] else 200)


@creator_page(Action.CAMPAIGNS)
def mass_message_detail(request, creator, mass_id):
    mass = _mass(creator, mass_id)
    counts = campaigns.mass_message_counts(mass=mass)
    recipients = list(mass.recipients.select_related("fan", "message").order_by("id")[:RECIPIENTS_SHOWN])
    revenue = campaigns.unlocks_by_message(message_ids=[r.message_id for r in recipients if r.message_id])
    for recipient in recipients:
        recipient.revenue_cents = revenue.get(recipient.message_id, 0)
    context = {
        "mass": mass,
        "counts": counts,
        "skipped": [(label, counts[f"skipped_{reason}"]) for reason, label in SkipReason.choices if counts[f"skipped_{reason}"]],
        "ppv": campaigns.ppv_report(messages=campaigns.mass_message_messages(mass=mass)),
        "recipients": recipients,
        "more_recipients": max(0, counts["recipients"] - RECIPIENTS_SHOWN),
        "job": f"mass-{mass.pk}",
        "done": counts["recipients"] - counts["pending"],
        "live_cursor": live.cursor_of(creator.pk),
        "open": mass.status in (MassMessageStatus.RUNNING, MassMessageStatus.SCHEDULED, MassMessageStatus.PAUSED),
    }
    return render(request, "crm/campaigns/mass_detail.html", context)


MASS_ACTIONS = {
    "pause": (campaigns.mass_message_pause, "Paused."),
    "resume": (campaigns.mass_message_resume, "Resumed."),
    "stop": (campaigns.mass_message_stop, "Stopped: nobody else gets it."),
}


@creator_page(Action.CAMPAIGNS)
@require_POST
def mass_message_action(request, creator, mass_id, action):
    mass = _mass(creator, mass_id)
    if action not in MASS_ACTIONS:
        raise NotFound("Unknown action")
    run, note = MASS_ACTIONS[action]
    try:
        run(mass=mass)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, note)
    return redirect("mass_message_detail", mass_id=mass.pk)


@creator_page(Action.CAMPAIGNS)
@require_POST
def scheduled_update(request, creator, scheduled_id):
    scheduled = _scheduled(creator, scheduled_id)
    try:
        send_at = parse_local_datetime(request.POST.get("send_at", ""), creator.timezone)
        campaigns.scheduled_message_update(scheduled=scheduled, text=request.POST.get("text"), send_at=send_at)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Scheduled message saved.")
    return redirect("campaigns")


@creator_page(Action.CAMPAIGNS)
@require_POST
def scheduled_cancel(request, creator, scheduled_id):
    scheduled = _scheduled(creator, scheduled_id)
    try:
        campaigns.scheduled_message_cancel(scheduled=scheduled)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Scheduled message cancelled: it will not be sent.")
    return redirect("campaigns")
