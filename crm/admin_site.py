"""The back office's site: Django's admin, entered only by staff who passed a second factor.

Signing in is the app's own two-step sign-in (crm.views.auth) with the admin's template: the
password under the sign-in budgets, then the TOTP code (or a recovery code), which a staff login
without a device must first set up. Logging out also ends the JWT cookies of the sign-in.
"""

from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from crm.choices import SignInSurface
from crm.forms import AdminLoginForm
from crm.security import two_factor
from crm.views.auth import LogoutView, PasswordSignInView


class AdminLoginView(PasswordSignInView):
    surface = SignInSurface.ADMIN
    authentication_form = AdminLoginForm
    template_name = "admin/login.html"

    def two_factor_required(self, user) -> bool:
        return True  # the admin shows decrypted private data: staff always give a second factor


def is_verified(user) -> bool:
    verified = getattr(user, "is_verified", None)
    return bool(verified and verified())


class CrmAdminSite(admin.AdminSite):
    def has_permission(self, request):
        return super().has_permission(request) and is_verified(request.user)

    @method_decorator(never_cache)
    def login(self, request, extra_context=None):
        redirect_url = AdminLoginView().get_redirect_url(request) or reverse("admin:index", current_app=self.name)
        if request.method == "GET" and self.has_permission(request):
            return HttpResponseRedirect(redirect_url)
        user = request.user
        if request.method == "GET" and user.is_active and user.is_staff and not is_verified(user):
            # Signed in already (the pages' login): only the second factor is missing.
            step = "two_factor_verify" if two_factor.enabled(user) else "two_factor_setup"
            return HttpResponseRedirect(f"{reverse(step)}?{urlencode({'next': redirect_url})}")
        context = {
            **self.each_context(request),
            "title": _("Log in"),
            "subtitle": None,
            "app_path": request.get_full_path(),
            "username": user.get_username(),
            REDIRECT_FIELD_NAME: redirect_url,
            **(extra_context or {}),
        }
        request.current_app = self.name
        return AdminLoginView.as_view(extra_context=context)(request)

    def logout(self, request, extra_context=None):
        context = {**self.each_context(request), "has_permission": False, **(extra_context or {})}
        request.current_app = self.name
        return LogoutView.as_view(extra_context=context, next_page=reverse("admin:login"))(request)
