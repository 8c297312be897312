"""Inbox: conversation list, thread view (read, send, archive, tag) and attachment download."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.exceptions import ApplicationError
from core.forms import add_service_error
from core.storage import private_download, private_open
from crm import selectors, services
from crm.choices import Direction
from crm.forms import ConversationTagsForm, MessageForm
from crm.teams import assignment
from crm.teams import selectors as team_selectors
from crm.teams.policy import Action

from .common import creator_page, list_page_context


@creator_page(Action.INBOX_READ)
def inbox(request, creator):
    context = list_page_context(
        request,
        creator,
        filters=selectors.conversation_filterset(creator=creator, data=request.GET, user_id=request.user.pk),
        sorts=selectors.INBOX_SORTS,
        default_sort=selectors.DEFAULT_INBOX_SORT,
        read_page=selectors.conversations_page,
    )
    context["counts"] = selectors.inbox_counts(creator=creator)
    return render(request, "crm/inbox/list.html", context)


def _thread_page(request, creator, conversation, *, message_form=None, tags_form=None):
    page = selectors.thread_messages_page(
        conversation=conversation, before=request.GET.get("before", ""), after=request.GET.get("after", "")
    )
    tag_names = selectors.tag_names_of(conversation)
    members = team_selectors.assignable_members(creator=creator)
    context = {
        "members": members,
        "assignee": next((m for m in members if m.user_id == conversation.assignee_id), None),
        "conversation": conversation,
        "fan": conversation.fan,
        "page": page,
        "message_form": message_form or MessageForm(),
        "tags_form": tags_form or ConversationTagsForm(initial={"tags": ", ".join(tag_names)}),
        "conversation_tags": tag_names,
    }
    status = 400 if (message_form and message_form.errors) or (tags_form and tags_form.errors) else 200
    return render(request, "crm/inbox/thread.html", context, status=status)


@creator_page(Action.INBOX_READ)
def thread(request, creator, conversation_id):
    conversation = selectors.conversation_get(creator=creator, conversation_id=conversation_id)
    if conversation.unread_count:
        # Opening a thread reads it (a GET with this one idempotent effect, as every mail client).
        services.conversation_mark_read(conversation=conversation)
    return _thread_page(request, creator, conversation)


@creator_page(Action.INBOX_REPLY)
@require_POST
def thread_send(request, creator, conversation_id):
    conversation = selectors.conversation_get(creator=creator, conversation_id=conversation_id)
    form = MessageForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.message_add(
                conversation=conversation,
                direction=Direction.OUTGOING,
                text=form.cleaned_data["text"].strip(),
                attachment=form.cleaned_data["attachment"],
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "Message sent.")
            return redirect("thread", conversation_id=conversation.pk)
    return _thread_page(request, creator, conversation, message_form=form)


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
