"""Sign-in security in the back office: the security events (failed and refused sign-ins
among them), browser sessions, and two-factor devices. All read-only: ending a session or a
user's two-factor sign-in goes through the same services as the settings page."""

from django.contrib import admin
from django_otp.plugins.otp_totp.models import TOTPDevice

from crm.choices import SignInSurface
from crm.models import AuthEvent, RecoveryCode, RecoveryCodeDevice, UserSession
from crm.security import sessions, two_factor

from .base import ReadOnlyAdmin


@admin.register(AuthEvent)
class AuthEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "kind", "surface", "user", "identifier", "address", "count")
    list_select_related = ("user",)
    list_filter = ("kind", "surface")
    search_fields = ("identifier", "address", "user__email", "user__username")
    fields = ("at", "kind", "surface", "user", "identifier", "address", "user_agent", "count")
    show_full_result_count = False


@admin.register(UserSession)
class UserSessionAdmin(ReadOnlyAdmin):
    """Signed-in browsers. Deleting one ends it (and blacklists its refresh token)."""

    list_display = ("user", "signed_in_at", "address", "user_agent", "expire_date")
    list_select_related = ("user",)
    list_filter = ("expire_date",)
    search_fields = ("user__email", "user__username", "address")
    fields = ("user", "signed_in_at", "address", "user_agent", "expire_date")  # never session_data
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).filter(user__isnull=False)

    def delete_model(self, request, obj):
        sessions.session_end(user=obj.user, session_key=obj.session_key, request=request)

    def delete_queryset(self, request, queryset):
        for row in queryset.select_related("user"):
            self.delete_model(request, row)


admin.site.unregister(TOTPDevice)  # django-otp's own admin shows the secret key


@admin.register(TOTPDevice)
class TwoFactorDeviceAdmin(ReadOnlyAdmin):
    """Authenticator apps. Deleting one turns the user's two-factor sign-in off (recorded):
    the way back in for a user who lost their phone and their recovery codes."""

    list_display = ("user", "name", "confirmed", "created_at", "last_used_at")
    list_select_related = ("user",)
    list_filter = ("confirmed",)
    search_fields = ("user__email", "user__username", "name")
    fields = ("user", "name", "confirmed", "created_at", "last_used_at")

    def delete_model(self, request, obj):
        two_factor.disable(user=obj.user, request=request, surface=SignInSurface.ADMIN)

    def delete_queryset(self, request, queryset):
        for device in queryset.select_related("user"):
            self.delete_model(request, device)


@admin.register(RecoveryCodeDevice)
class RecoveryCodeDeviceAdmin(ReadOnlyAdmin):
    list_display = ("user", "name", "created_at", "throttling_failure_count")
    list_select_related = ("user",)
    list_filter = ("confirmed",)
    search_fields = ("user__email", "user__username")
    fields = ("user", "name", "created_at", "throttling_failure_count")

    def has_delete_permission(self, request, obj=None):
        return False  # they go with the authenticator app (two_factor.disable)


@admin.register(RecoveryCode)
class RecoveryCodeAdmin(ReadOnlyAdmin):
    """Unused recovery codes exist only as hashes; listed so staff can see how many are left."""

    list_display = ("device", "id")
    list_select_related = ("device__user",)
    list_filter = ("device__confirmed",)
    search_fields = ("device__user__email",)
    fields = ("device",)

    def has_delete_permission(self, request, obj=None):
        return False
