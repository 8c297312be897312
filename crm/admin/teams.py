"""Team memberships. Staff permissions here stay Django's; role and access changes go through
crm.teams.services (the last owner and the creator's own login are protected there too)."""

from django.contrib import admin, messages

from core.exceptions import ApplicationError
from crm.models import AuditEntry, Invitation, Membership
from crm.teams import invitations
from crm.teams import services as team_services


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "creator", "role", "is_active", "created_at")
    list_select_related = ("user", "creator")
    list_filter = ("role", "is_active")
    search_fields = ("user__email", "creator__slug")
    autocomplete_fields = ("user", "creator")
    readonly_fields = ("created_at", "updated_at")
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        # Who and for whom are fixed once made; role and access change through the services.
        return (*self.readonly_fields, "user", "creator") if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            return
        try:
            stored = Membership.objects.get(pk=obj.pk)
            if "role" in form.changed_data:
                team_services.membership_set_role(membership=stored, role=obj.role)
            if "is_active" in form.changed_data:
                team_services.membership_set_active(membership=stored, is_active=obj.is_active)
        except ApplicationError as exc:
            self.message_user(request, exc.message, level=messages.ERROR)

    def delete_model(self, request, obj):
        try:
            team_services.membership_remove(membership=obj)
        except ApplicationError as exc:
            self.message_user(request, exc.message, level=messages.ERROR)

    def get_actions(self, request, action_location=admin.ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location)
        actions.pop("delete_selected", None)  # one by one, through the last-owner guard
        return actions


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations are made from the team page (their link is mailed once, never shown here);
    staff can see and revoke them."""

    list_display = ("email", "creator", "role", "created_at", "expires_at", "accepted_at", "revoked_at")
    list_select_related = ("creator",)
    list_filter = ("role",)
    search_fields = ("email", "creator__slug")
    readonly_fields = (
        "creator", "email", "role", "invited_by", "created_at", "expires_at", "accepted_at", "accepted_by", "revoked_at",
    )
    exclude = ("token_hash",)
    actions = ("revoke",)
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Revoke the selected invitations")
    def revoke(self, request, queryset):
        for invitation in queryset:
            invitations.invitation_revoke(invitation=invitation)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit log, read-only: staff see every creator's entries and change or delete none
    (an entry goes only with its creator)."""

    list_display = ("at", "creator", "actor_name", "action", "object_type", "object_id")
    list_select_related = ("creator",)
    list_filter = ("action",)
    search_fields = ("creator__slug", "actor_name", "action")
    date_hierarchy = "at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
