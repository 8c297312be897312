"""Inbox: conversation list, thread view (read, send, archive, tag) and attachment download."""

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.exceptions import ApplicationError
from core.forms import add_service_error
from core.live.conditional import feed_etag, not_modified
from core.storage import private_download, private_open
from crm import campaigns, chat, delivery, live, saved_replies, selectors, services
from crm.choices import DeliveryStatus, Direction
from crm.forms import ConversationTagsForm, MessageForm
from crm.teams import assignment
from crm.teams import selectors as team_selectors
from crm.teams.policy import Action

from .common import creator_page, list_page_context


def _live_version(request, creator) -> tuple[int, str]:
    """The feed cursor the page is drawn at (read before its rows: a change in between is
    delivered, never lost) and the page's ETag for the conditional poll of the live script."""
    cursor = live.cursor_of(creator.pk)
    return cursor, feed_etag(request.get_full_path(), request.user.pk, creator.pk, request.member.role, cursor)


def _with_etag(response, etag: str):
    response["ETag"] = etag
    return response


@creator_page(Action.INBOX_READ)
def inbox(request, creator):
    cursor, etag = _live_version(request, creator)
    if unchanged := not_modified(request, etag):
        return unchanged
    context = list_page_context(
        request,
        creator,
        filters=selectors.conversation_filterset(creator=creator, data=request.GET, user_id=request.user.pk),
        sorts=selectors.INBOX_SORTS,
        default_sort=selectors.DEFAULT_INBOX_SORT,
        read_page=selectors.conversations_page,
    )
    context["counts"] = selectors.inbox_counts(creator=creator)
    context["live_cursor"], context["live_etag"] = cursor, etag
    for row in context["page"].rows:
        row.chat_presence = chat.presence(row.chat_seen_at, row.chat_ended_at) if row.chat_seen_at else ""
    return _with_etag(render(request, "crm/inbox/list.html", context), etag)


def _thread_page(request, creator, conversation, *, message_form=None, tags_form=None, version=None):
    cursor, etag = version or _live_version(request, creator)
    page = selectors.thread_messages_page(
        conversation=conversation, before=request.GET.get("before", ""), after=request.GET.get("after", "")
    )
    tag_names = selectors.tag_names_of(conversation)
    reply_to = _reply_target(conversation, (message_form.data.get("reply_to") if message_form else None) or request.GET.get("reply_to"))
    route, route_note = delivery.reply_route(conversation)
    picks = _saved_replies_for(creator, conversation.fan)
    chosen = next((p for p in picks if str(p["pk"]) == request.GET.get("saved_reply", "")), None)
    initial = {"reply_to": reply_to.pk if reply_to else None, "text": chosen["text"] if chosen else ""}
    members = team_selectors.assignable_members(creator=creator)
    context = {
        "members": members,
        "assignee": next((m for m in members if m.user_id == conversation.assignee_id), None),
        "saved_replies": picks,
        "conversation": conversation,
        "fan": conversation.fan,
        "page": page,
        "reply_route": route,
        "reply_route_note": route_note,
        "reply_to": reply_to,
        "message_form": message_form or MessageForm(
            initial=initial, do_not_contact=conversation.fan.do_not_contact, timezone_name=creator.timezone
        ),
        "tags_form": tags_form or ConversationTagsForm(initial={"tags": ", ".join(tag_names)}),
        "conversation_tags": tag_names,
        "live_cursor": cursor,
        "live_etag": etag,
        **_chat_panel(conversation),
    }
    status = 400 if (message_form and message_form.errors) or (tags_form and tags_form.errors) else 200
    return _with_etag(render(request, "crm/inbox/thread.html", context, status=status), etag)


def _chat_panel(conversation) -> dict:
    """A visitor chat's panel: the visitor online or away, their email and the fan it suggests."""
    visitor = selectors.chat_visitor_of(conversation=conversation)
    if visitor is None:
        return {"chat_visitor": None}
    return {"chat_visitor": visitor, "chat_presence": chat.presence(visitor.last_seen_at, visitor.ended_at)}


def _saved_replies_for(creator, fan) -> list[dict]:
    """The creator's saved replies, filled in for this fan (crm.saved_replies: no template engine)."""
    return [
        {"pk": reply.pk, "title": reply.title, "text": saved_replies.render(reply.body, fan=fan, creator=creator)}
        for reply in selectors.saved_replies_list(creator=creator)
    ]


def _reply_target(conversation, raw):
    """The comment a reply answers, when the id names a comment of this conversation."""
    if not raw:
        return None
    try:
        message = selectors.conversation_message(conversation=conversation, message_id=raw)
    except ApplicationError:
        return None
    return message if message.is_comment else None


SENT_NOTES = {
    DeliveryStatus.QUEUED: "Reply queued: it is being sent through {platform}.",
    DeliveryStatus.SENT: "Reply sent to the visitor's chat.",
    DeliveryStatus.MANUAL: "Reply saved, not sent: {platform} has no messaging API. Copy it and send it there yourself.",
    DeliveryStatus.RECORDED: "Reply recorded here only: it was not sent to the fan.",
}


@creator_page(Action.INBOX_READ)
def thread(request, creator, conversation_id):
    conversation = selectors.conversation_get(creator=creator, conversation_id=conversation_id)
    if conversation.unread_count:
        # Opening a thread reads it (a GET with this one idempotent effect, as every mail client).
        services.conversation_mark_read(conversation=conversation)
    version = _live_version(request, creator)  # after the read: its own event is already drawn
    if unchanged := not_modified(request, version[1]):
        return unchanged
    return _thread_page(request, creator, conversation, version=version)


@creator_page(Action.INBOX_READ)
@require_POST
def thread_read(request, creator, conversation_id):
    """Mark the thread read: the live script calls it when a message arrives in the open thread
    (without the script, opening the thread reads it)."""
    conversation = selectors.conversation_get(creator=creator, conversation_id=conversation_id)
    if conversation.unread_count:
        services.conversation_mark_read(conversation=conversation)
    return redirect("thread", conversation_id=conversation.pk)


@creator_page(Action.INBOX_REPLY)
@require_POST
def thread_send(request, creator, conversation_id):
    conversation = selectors.conversation_get(creator=creator, conversation_id=conversation_id)
    form = MessageForm(
        request.POST, request.FILES, do_not_contact=conversation.fan.do_not_contact, timezone_name=creator.timezone
    )
    if form.is_valid() and form.cleaned_data["send_at"]:
        return _thread_schedule(request, creator, conversation, form)
    if form.is_valid():
        try:
            reply_to = None
            if form.cleaned_data["reply_to"]:
                reply_to = delivery.reply_target(conversation=conversation, message_id=form.cleaned_data["reply_to"])
            message = services.message_add(
                conversation=conversation,
                direction=Direction.OUTGOING,
                text=form.cleaned_data["text"].strip(),
                attachment=form.cleaned_data["attachment"],
                via=delivery.VIA_INBOX,
                reply_to=reply_to,
                price_cents=form.price_cents(),
            )
        except ApplicationError as exc:
            if exc.field == "reply_to":  # a hidden input: shown above the form
                form.add_error(None, exc.message)
            else:
                add_service_error(form, exc)
        else:
            note = SENT_NOTES.get(message.delivery_status, SENT_NOTES[DeliveryStatus.RECORDED])
            messages.success(request, note.format(platform=conversation.get_platform_display()))
            return redirect("thread", conversation_id=conversation.pk)
    return _thread_page(request, creator, conversation, message_form=form)


def _thread_schedule(request, creator, conversation, form):
    """The reply form with "Send later": a scheduled message, not a message yet."""
    if form.cleaned_data["attachment"] or form.cleaned_data["reply_to"]:
        form.add_error("send_at", "A scheduled message is text only (no file, no comment reply).")
        return _thread_page(request, creator, conversation, message_form=form)
    try:
        scheduled = campaigns.scheduled_message_create(
            conversation=conversation,
            text=form.cleaned_data["text"],
            price_cents=form.price_cents(),
            send_at=form.cleaned_data["send_at"],
        )
    except ApplicationError as exc:
        add_service_error(form, exc)
        return _thread_page(request, creator, conversation, message_form=form)
    local = timezone.localtime(scheduled.send_at, ZoneInfo(creator.timezone))
    messages.success(request, f"Scheduled for {local:%Y-%m-%d %H:%M} ({creator.timezone}). See Campaigns → Scheduled.")
    return redirect("thread", conversation_id=conversation.pk)


@creator_page(Action.INBOX_REPLY)
@require_POST
def thread_retry(request, creator, conversation_id, message_id):
    conversation = selectors.conversation_get(creator=creator, conversation_id=conversation_id)
    message = selectors.conversation_message(conversation=conversation, message_id=message_id)
    try:
        delivery.delivery_retry(message=message)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Sending again.")
    return redirect("thread", conversation_id=conversation.pk)


@creator_page(Action.INBOX_ARCHIVE)
@require_POST
def thread_archive(request, creator, conversation_id):
    conversation = selectors.conversation_get(creator=creator, conversation_id=conversation_id)
    archive = request.POST.get("archive") == "1"
    services.conversation_update(conversation=conversation, is_archived=archive)
    messages.success(request, "Conversation archived." if archive else "Conversation moved back to the inbox.")
    return redirect("thread", conversation_id=conversation.pk)


@creator_page(Action.INBOX_TAG)
@require_POST
def thread_tags(request, creator, conversation_id):
    conversation = selectors.conversation_get(creator=creator, conversation_id=conversation_id)
    form = ConversationTagsForm(request.POST)
    if form.is_valid():
        try:
            services.conversation_update(conversation=conversation, tags=form.cleaned_data["tags"])
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "Tags saved.")
            return redirect("thread", conversation_id=conversation.pk)
    return _thread_page(request, creator, conversation, tags_form=form)


@creator_page(Action.INBOX_ASSIGN_SELF)
@require_POST
def thread_assign(request, creator, conversation_id):
    """Take a conversation, give it back, or (managers, owners) assign it to a member."""
    conversation = selectors.conversation_get(creator=creator, conversation_id=conversation_id)
    try:
        assignment.conversation_assign(
            conversation=conversation, assignee_id=request.POST.get("assignee", ""), member=request.member
        )
    except ApplicationError as exc:
        messages.error(request, "Choose an active member of the team." if exc.field == "assignee_id" else exc.message)
        return redirect("thread", conversation_id=conversation.pk)
    messages.success(request, "Assigned." if conversation.assignee_id else "Unassigned.")
    return redirect("thread", conversation_id=conversation.pk)


@creator_page(Action.INBOX_READ)
def attachment_download(request, creator, conversation_id, message_id):
    message = selectors.message_with_attachment(
        creator=creator, conversation_id=conversation_id, message_id=message_id
    )
    return private_download(
        private_open(message.attachment.name, not_found="Attachment not found"),
        filename=message.attachment_name or "file",
        content_type=message.attachment_content_type,
    )
