import json

from django.contrib import admin, messages
from django.utils.html import format_html

from .choices import Field
from .models import WebhookEvent
from .services import events_ignore, events_replay


class EventTypeFilter(admin.SimpleListFilter):
    """The webhook fields this system handles, as fixed choices: Django's own filter on a
    free-form column would read every event's value (SELECT DISTINCT) on each page view."""

    title = "event type"
    parameter_name = "event_type"

    def lookups(self, request, model_admin):
        return Field.choices

    def queryset(self, request, queryset):
        return queryset.filter(event_type=self.value()) if self.value() else queryset


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    """The back office of the event store: read-only rows, replay and ignore through services."""

    list_display = ("id", "provider", "event_type", "account_id", "creator", "status", "attempts", "received_at", "processed_at")
    list_select_related = ("creator",)
    list_filter = ("provider", EventTypeFilter, "status", "ignored_reason")
    search_fields = ("=external_id", "=account_id")
    ordering = ("-received_at", "-id")
    show_full_result_count = False
    actions = ["replay", "ignore"]
    fields = (
        "provider",
        "event_type",
        "external_id",
        "account_id",
        "creator",
        "status",
        "ignored_reason",
        "attempts",
        "lease_expires_at",
        "next_attempt_at",
        "received_at",
        "processed_at",
        "request_id",
        "last_error",
        "payload_pretty",
    )
    readonly_fields = fields

    class Media:
        # A stylesheet, not a style= attribute: the Content-Security-Policy allows no inline style.
        css = {"all": ["css/admin.css"]}

    def has_add_permission(self, request):
        return False

    @admin.display(description="Payload")
    def payload_pretty(self, obj):
        return format_html(
            '<pre class="webhook-payload">{}</pre>',
            json.dumps(obj.payload, indent=2, sort_keys=True, ensure_ascii=False),
        )

    @admin.action(description="Replay selected events", permissions=["change"])
    def replay(self, request, queryset):
        count = events_replay(event_ids=queryset.values_list("id", flat=True))
        self.message_user(request, f"{count} event(s) queued for replay.", messages.SUCCESS)

    @admin.action(description="Ignore selected events", permissions=["change"])
    def ignore(self, request, queryset):
        count = events_ignore(event_ids=queryset.values_list("id", flat=True))
        self.message_user(request, f"{count} event(s) ignored.", messages.SUCCESS)
