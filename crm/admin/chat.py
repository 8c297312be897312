"""Visitor chats (crm.chat): read-only for staff. Chats are started by visitors, ended and blocked
by the creator's team on the thread; a block is lifted by deleting it here."""

from django.contrib import admin

from crm.models import ChatBlock, ChatSettings, ChatVisitor

from .base import ReadOnlyAdmin


@admin.register(ChatVisitor)
class ChatVisitorAdmin(ReadOnlyAdmin):
    list_display = ("id", "fan", "creator", "created_at", "last_seen_at", "ended_at", "blocked_at")
    list_select_related = ("fan", "creator")
    list_filter = ("ended_at", "blocked_at")
    search_fields = ("fan__name", "creator__slug")
    # No token, address or email hash, no email: nothing a staff member needs to see.
    fields = ("creator", "fan", "conversation", "suggested_fan", "linked_fan", "created_at", "last_seen_at", "ended_at", "blocked_at")
    readonly_fields = fields
    show_full_result_count = False


@admin.register(ChatBlock)
class ChatBlockAdmin(ReadOnlyAdmin):
    list_display = ("id", "fan", "creator", "created_at")
    list_select_related = ("fan", "creator")
    search_fields = ("fan__name", "creator__slug")
    fields = ("creator", "fan", "created_at")
    readonly_fields = fields


@admin.register(ChatSettings)
class ChatSettingsAdmin(ReadOnlyAdmin):
    list_display = ("creator", "away_message", "storage_used_bytes")
    list_select_related = ("creator",)
    search_fields = ("creator__slug",)
    fields = ("creator", "away_message", "storage_used_bytes")
    readonly_fields = fields
