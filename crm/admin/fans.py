"""Fans: private fields shown in clear, every write through crm.services."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import transaction

from core.crypto import email_hash, normalise_phone, phone_hash
from core.exceptions import ApplicationError
from crm import services
from crm.extensions import fan_admin_actions, fan_admin_inlines
from crm.models import Fan

from .base import cents


class FanAdminForm(forms.ModelForm):
    class Meta:
        model = Fan
        fields = (
            "creator",
            "name",
            "platform",
            "platform_id",
            "handle",
            "client_identifier",
            "email",
            "phone",
            "tags",
            "screening_status",
            "client_category",
            "subscription_status",
            "notes",
        )
        widgets = {"notes": forms.Textarea(attrs={"rows": 4}), "email": forms.TextInput, "phone": forms.TextInput}

    def clean(self):
        cleaned = super().clean()
        creator = cleaned.get("creator") or getattr(self.instance, "creator", None)
        tags = cleaned.get("tags")
        if creator and tags and any(tag.creator_id != creator.pk for tag in tags):
            self.add_error("tags", "Tags must belong to the fan's creator.")
        # The creator is read-only on change, so the model's own constraint check skips it.
        platform, platform_id = cleaned.get("platform"), cleaned.get("platform_id")
        if creator and platform_id:
            clash = Fan.objects.filter(creator=creator, platform=platform, platform_id=platform_id)
            if clash.exclude(pk=self.instance.pk).exists():
                self.add_error("platform_id", "This creator already has a fan with this platform id.")
        return cleaned


@admin.register(Fan)
class FanAdmin(admin.ModelAdmin):
    """Email, phone and notes are shown and edited in clear; they are encrypted in the column."""

    form = FanAdminForm
    list_display = (
        "name",
        "creator",
        "platform",
        "handle",
        "value",
        "screening_status",
        "client_category",
        "subscription_status",
        "last_seen_at",
        "created_at",
    )
    list_select_related = ("creator",)
    list_filter = ("platform", "screening_status", "client_category", "subscription_status")
    search_fields = ("name", "handle", "platform_id", "client_identifier", "creator__slug")
    autocomplete_fields = ("creator", "tags", "screening_decided_by")
    readonly_fields = (
        "value",
        "email_hash",
        "phone_hash",
        "screening_decided_by",
        "screening_decided_at",
        "notes_updated_at",
        "last_contacted_at",
        "last_seen_at",
        "created_at",
        "updated_at",
    )
    show_full_result_count = False

    # Inlines and actions of the apps above crm (screening's methods, files and decisions),
    # registered from their AppConfig.ready; read when the admin is used, after every app is ready.
    @property
    def inlines(self):
        return tuple(fan_admin_inlines)

    @property
    def actions(self):
        return tuple(fan_admin_actions)

    @admin.display(description="value", ordering="value_cents")
    def value(self, fan: Fan) -> str:
        return cents(fan.value_cents)

    def get_readonly_fields(self, request, obj=None):
        # A fan never moves between creators: their messages and ledger carry the creator too.
        return (*self.readonly_fields, "creator") if obj else self.readonly_fields

    def get_search_results(self, request, queryset, search_term):
        """Encrypted email and phone are found through their keyed hashes (exact match)."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if "@" in term:
            results |= queryset.filter(email_hash=email_hash(term))
        elif len(normalise_phone(term).lstrip("+")) >= 6:
            results |= queryset.filter(phone_hash=phone_hash(term))
        return results, may_have_duplicates

    def save_model(self, request, obj, form, change):
        fields = {
            name: form.cleaned_data[name]
            for name in services.FAN_UPDATABLE_FIELDS
            if name in form.cleaned_data and (name in form.changed_data or not change)
        }
        status = fields.pop("screening_status", None) if change else None
        try:
            if change:
                services.fan_update(fan=obj, **fields)
                if status is not None:
                    services.fan_screening_decide(
                        fan=obj,
                        status=status,
                        decided_by=request.user,
                        client_category=fields.get("client_category"),
                    )
            else:
                fan = services.fan_create(creator=form.cleaned_data["creator"], **fields)
                obj.pk = fan.pk
                obj._state.adding = False
                obj.refresh_from_db()
        except ApplicationError as exc:
            # The form already validated the constraints; this is a race with another writer.
            raise PermissionDenied(exc.message) from exc

    def delete_model(self, request, obj):
        services.fan_delete(fan=obj)

    def response_delete(self, request, obj_display, obj_id):
        # The confirmation waits in a cookie or the session: it names the fan by id only.
        return super().response_delete(request, f"#{obj_id}", obj_id)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for fan in queryset:
            services.fan_delete(fan=fan)
