"""Campaigns in the back office: read-only. Scheduling, segments and mass messages are written
through crm.campaigns (the creator's pages and the APIs), where their rules live. Deleting stays
Django's permission: a fan's or creator's deletion in the admin cascades to their rows, which
the admin refuses when a related model may not be deleted."""

from django.contrib import admin

from crm.models import MassMessage, MassMessageRecipient, ScheduledMessage, Segment

from .base import ReadOnlyAdmin


class CampaignAdmin(ReadOnlyAdmin):
    show_full_result_count = False


@admin.register(ScheduledMessage)
class ScheduledMessageAdmin(CampaignAdmin):
    list_display = ("id", "send_at", "status", "fan", "creator", "price_cents")
    list_filter = ("status",)
    list_select_related = ("fan", "creator")
    search_fields = ("fan__name", "creator__slug")


@admin.register(Segment)
class SegmentAdmin(CampaignAdmin):
    list_display = ("id", "name", "creator", "updated_at")
    list_select_related = ("creator",)
    search_fields = ("name", "creator__slug")


@admin.register(MassMessage)
class MassMessageAdmin(CampaignAdmin):
    list_display = ("id", "created_at", "status", "audience", "creator", "price_cents")
    list_filter = ("status",)
    list_select_related = ("creator",)
    search_fields = ("audience", "creator__slug")
    # The stored file is private (no URL to link); its name and size are shown.
    exclude = ("attachment",)


@admin.register(MassMessageRecipient)
class MassMessageRecipientAdmin(CampaignAdmin):
    list_display = ("id", "mass_message", "fan", "status", "skip_reason")
    list_filter = ("status", "skip_reason")
    list_select_related = ("fan", "mass_message")
    search_fields = ("fan__name",)
