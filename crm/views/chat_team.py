"""The team's side of a visitor chat, on the thread page: end the chat, block the visitor,
confirm the fan their email suggests; and the away message on the settings page (crm.chat)."""

from django.contrib import messages
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from core.exceptions import ApplicationError, NotFound
from crm import chat, selectors
from crm.teams.policy import Action

from .common import creator_page


def _visitor(creator, conversation_id):
    conversation = selectors.conversation_get(creator=creator, conversation_id=conversation_id)
    visitor = selectors.chat_visitor_of(conversation=conversation)
    if visitor is None:
        raise NotFound("Not a visitor chat")
    visitor.conversation = conversation
    return conversation, visitor


@creator_page(Action.INBOX_REPLY)
@require_POST
def thread_chat_end(request, creator, conversation_id):
    conversation, visitor = _visitor(creator, conversation_id)
    chat.chat_end(visitor=visitor)
    messages.success(request, "Chat ended: the visitor can read it but no longer write.")
    return redirect("thread", conversation_id=conversation.pk)


@creator_page(Action.INBOX_ARCHIVE)  # who may archive a thread may close it to an abusive visitor
@require_POST
def thread_chat_block(request, creator, conversation_id):
    conversation, visitor = _visitor(creator, conversation_id)
    if visitor.blocked_at is None:
        chat.chat_block(visitor=visitor)
    messages.success(request, "Visitor blocked: their browser, address and email can no longer chat with you.")
    return redirect("thread", conversation_id=conversation.pk)


@creator_page(Action.FANS_WRITE)  # it records who a fan is
@require_POST
def thread_chat_link(request, creator, conversation_id):
    conversation, visitor = _visitor(creator, conversation_id)
    try:
        chat.chat_link_confirm(visitor=visitor)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Link confirmed. The two fans and their threads stay apart.")
    return redirect("thread", conversation_id=conversation.pk)


@creator_page(Action.SETTINGS)
@require_POST
def chat_settings(request, creator):
    try:
        chat.chat_settings_update(creator=creator, away_message=request.POST.get("away_message", ""))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Away message saved.")
    return redirect("/settings/#chat")
