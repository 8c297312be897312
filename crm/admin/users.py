"""Logins, creators and their tags."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from crm.models import Creator, PlatformAccount, Tag, User
from crm.teams.services import membership_first_owner


class CrmUserCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("email", "username")


class CrmUserChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Logins are by email (or username); the email is unique, case-insensitively."""

    form = CrmUserChangeForm
    add_form = CrmUserCreationForm
    list_display = ("email", "username", "creator", "is_staff", "is_superuser", "is_active", "last_login")
    list_select_related = ("creator",)
    list_filter = ("is_staff", "is_superuser", "is_active")
    search_fields = ("email", "username", "first_name", "last_name")
    ordering = ("email",)
    readonly_fields = ("last_login", "date_joined")
    show_full_result_count = False
    @admin.display(description="creator")
    def creator(self, user: User) -> str:
        creator = getattr(user, "creator", None)
        return creator.slug if creator else ""

    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "username", "usable_password", "password1", "password2"),
            },
        ),
    )


class PlatformAccountInline(admin.TabularInline):
    model = PlatformAccount
    fields = ("platform", "external_account_id", "username", "connected_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Creator)
class CreatorAdmin(admin.ModelAdmin):
    list_display = ("slug", "display_name", "user", "timezone", "created_at")
    list_select_related = ("user",)
    search_fields = ("slug", "display_name", "user__email")
    list_filter = ("timezone",)
    autocomplete_fields = ("user",)
    readonly_fields = ("created_at",)
    inlines = (PlatformAccountInline,)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        membership_first_owner(creator=obj)  # the login is the creator's first owner

    def get_readonly_fields(self, request, obj=None):
        # The slug is the public `model_slug` of the contact form: fixed once created.
        return (*self.readonly_fields, "slug") if obj else self.readonly_fields


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "creator")
    list_select_related = ("creator",)
    search_fields = ("name", "creator__slug")
    autocomplete_fields = ("creator",)
