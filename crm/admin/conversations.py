"""Conversations (staff rename, tag, archive, mark read) and read-only messages."""

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.utils.text import Truncator

from crm import services, validators
from crm.models import Conversation, Message
from crm.teams import assignment

from .base import LedgerRowAdmin, cents


class ConversationAdminForm(forms.ModelForm):
    class Meta:
        model = Conversation
        fields = ("subject", "is_archived", "tags", "assignee")

    def clean_assignee(self):
        # The assignment rule's check (crm.teams.assignment) as a field error.
        assignee = self.cleaned_data.get("assignee")
        if assignee is not None and assignee.pk not in assignment.assignable_user_ids(creator=self.instance.creator):
            raise forms.ValidationError("Choose an active member of this creator's team.")
        return assignee

    def clean_tags(self):
        # The tag rule (crm.validators) as a field error, before the service applies it.
        tags = self.cleaned_data["tags"]
        validators.clean_tag_names(tag.name for tag in tags)
        return tags


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    """Threads are opened by fans' activity (APIs, contact form, webhooks), not here."""

    form = ConversationAdminForm

    list_display = (
        "id",
        "fan",
        "creator",
        "platform",
        "subject",
        "message_count",
        "unread_count",
        "last_message_at",
        "is_archived",
    )
    list_select_related = ("fan", "creator")
    list_filter = ("platform", "is_archived")
    search_fields = ("subject", "platform_conversation_id", "fan__name", "fan__handle", "creator__slug")
    autocomplete_fields = ("tags", "assignee")
    fields = (
        "creator",
        "fan",
        "platform",
        "platform_conversation_id",
        "subject",
        "is_archived",
        "tags",
        "assignee",
        "message_count",
        "unread_count",
        "last_message_at",
        "awaiting_reply_since",
        "created_at",
        "updated_at",
    )
    readonly_fields = (
        "creator",
        "fan",
        "platform",
        "platform_conversation_id",
        "message_count",
        "unread_count",
        "last_message_at",
        "awaiting_reply_since",
        "created_at",
        "updated_at",
    )
    show_full_result_count = False
    actions = ("mark_read", "archive", "unarchive")

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        services.conversation_update(
            conversation=obj,
            subject=form.cleaned_data.get("subject"),
            is_archived=form.cleaned_data.get("is_archived"),
        )
        if "assignee" in form.changed_data:  # staff: Django's permissions, the team rule's check
            assignee = form.cleaned_data.get("assignee")
            assignment.conversation_assign(conversation=obj, assignee_id=assignee.pk if assignee else None)

    def save_related(self, request, form, formsets, change):
        """Tags go through the tag rule (crm.services.tags_resolve) like everywhere else."""
        tags = form.cleaned_data.get("tags")
        if tags is not None and any(tag.creator_id != form.instance.creator_id for tag in tags):
            tags = [tag for tag in tags if tag.creator_id == form.instance.creator_id]
            self.message_user(request, "Tags of other creators were left out.", messages.WARNING)
        if tags is not None and "tags" in form.changed_data:
            services.conversation_update(conversation=form.instance, tags=[tag.name for tag in tags])
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    @admin.action(description="Mark the selected conversations read")
    def mark_read(self, request, queryset):
        with transaction.atomic():
            for conversation in queryset:
                services.conversation_mark_read(conversation=conversation)
        self.message_user(request, "Marked read.", messages.SUCCESS)

    @admin.action(description="Archive the selected conversations")
    def archive(self, request, queryset):
        self._set_archived(queryset, True)

    @admin.action(description="Unarchive the selected conversations")
    def unarchive(self, request, queryset):
        self._set_archived(queryset, False)

    @transaction.atomic
    def _set_archived(self, queryset, archived: bool) -> None:
        for conversation in queryset.select_related("creator"):
            services.conversation_update(conversation=conversation, is_archived=archived)


@admin.register(Message)
class MessageAdmin(LedgerRowAdmin):
    """Messages are read-only: counters and response times are derived from them."""

    list_display = (
        "id",
        "conversation_id",
        "fan",
        "creator",
        "direction",
        "message_type",
        "short_text",
        "price",
        "sent_by_ai",
        "response_seconds",
        "read_at",
        "created_at",
    )
    list_select_related = ("fan", "creator")
    list_filter = ("direction", "message_type", "sent_by_ai")
    search_fields = ("text", "platform_message_id", "fan__name", "creator__slug")
    autocomplete_fields = ("conversation", "fan", "creator")
    readonly_fields = ("response_seconds", "created_at")
    show_full_result_count = False

    @admin.display(description="text")
    def short_text(self, message: Message) -> str:
        return Truncator(message.text).chars(60)

    @admin.display(description="price", ordering="price_cents")
    def price(self, message: Message) -> str:
        return cents(message.price_cents) if message.price_cents else ""

    def has_add_permission(self, request):
        return False
