"""Fans: private fields shown in clear, every write through crm.services."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import transaction

from core.exceptions import ApplicationError
from crm import selectors, services, validators
from crm.extensions import fan_admin_actions, fan_admin_inlines
from crm.filters import private_contact_match
from crm.forms import FanContactRuleMixin
from crm.models import Fan
from crm.teams.audit import AuditAction, audit_record

from .base import cents


class FanAdminForm(FanContactRuleMixin, forms.ModelForm):
    class Meta:
        model = Fan
        # The fan's fields (crm.services.FAN_FIELDS), with the creator first and tags after the phone.
        fields = (
            "creator",
            *services.FAN_FIELDS[: services.FAN_FIELDS.index("phone") + 1],
            "tags",
            *services.FAN_FIELDS[services.FAN_FIELDS.index("phone") + 1 :],
        )
        widgets = {"notes": forms.Textarea(attrs={"rows": 4}), "email": forms.TextInput, "phone": forms.TextInput}

    def clean(self):
        cleaned = super().clean()
        creator = cleaned.get("creator") or getattr(self.instance, "creator", None)
        tags = cleaned.get("tags")
        if creator and tags and any(tag.creator_id != creator.pk for tag in tags):
            self.add_error("tags", "Tags must belong to the fan's creator.")
        if tags is not None and "tags" in self.changed_data:
            try:
                validators.clean_tag_names(tag.name for tag in tags)
            except forms.ValidationError as exc:
                self.add_error("tags", exc)
        # The creator is read-only on change, so the model's own constraint check skips it.
        platform, platform_id = cleaned.get("platform"), cleaned.get("platform_id")
        if creator and platform_id and selectors.fan_platform_id_taken(
            creator=creator, platform=platform, platform_id=platform_id, fan_id=self.instance.pk
        ):
            self.add_error("platform_id", "This creator already has a fan with this platform id.")
        return cleaned


PRIVATE_FIELDS = ("email", "phone", "notes")
PRIVATE_FIELDS_PERMISSION = "crm.view_private_fields"


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

    def get_exclude(self, request, obj=None):
        # Without `crm.view_private_fields` the decrypted fields are neither shown nor editable.
        if request.user.has_perm(PRIVATE_FIELDS_PERMISSION):
            return super().get_exclude(request, obj)
        return (*(super().get_exclude(request, obj) or ()), *PRIVATE_FIELDS)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200 and request.user.has_perm(PRIVATE_FIELDS_PERMISSION):
            fan = self.get_object(request, object_id)
            if fan is not None:  # one entry per page view, with the ids shown
                audit_record(
                    creator_id=fan.creator_id, action=AuditAction.PRIVATE_FIELDS_VIEWED, obj=fan,
                    fields=[name for name in PRIVATE_FIELDS if getattr(fan, name)],
                )
        return response

    def get_readonly_fields(self, request, obj=None):
        # A fan never moves between creators: their messages and ledger carry the creator too.
        return (*self.readonly_fields, "creator") if obj else self.readonly_fields

    def get_search_results(self, request, queryset, search_term):
        """Encrypted email and phone are found through their keyed hashes (exact match), by the
        filters' own rule (crm.filters.private_contact_match)."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        contact = private_contact_match(search_term.strip())
        if contact is not None:
            results |= queryset.filter(contact)
        return results, may_have_duplicates

    def save_model(self, request, obj, form, change):
        """Through the services, with the fan as stored: the form has already copied its values
        onto `obj`, and the screening rule compares the new status and category with the old."""
        fields = {
            name: form.cleaned_data[name]
            for name in services.FAN_FIELDS
            if name in form.cleaned_data and (name in form.changed_data or not change)
        }
        try:
            if change:
                stored = Fan.objects.get(pk=obj.pk)
                services.fan_update(fan=stored, decided_by=request.user, **fields)
            else:
                stored = services.fan_create(
                    creator=form.cleaned_data["creator"], decided_by=request.user, **fields
                )
        except ApplicationError as exc:
            # The form already validated the constraints; this is a race with another writer.
            raise PermissionDenied(exc.message) from exc
        obj.pk = stored.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        """Tags go through the tag rule (crm.services.tags_resolve) like everywhere else."""
        if "tags" in form.changed_data or not change:
            services.fan_update(fan=form.instance, tags=[tag.name for tag in form.cleaned_data["tags"]])
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj):
        services.fan_delete(fan=obj)

    def response_delete(self, request, obj_display, obj_id):
        # The confirmation waits in a cookie or the session: it names the fan by id only.
        return super().response_delete(request, f"#{obj_id}", obj_id)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for fan in queryset:
            services.fan_delete(fan=fan)
