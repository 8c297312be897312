"""The settings page's sign-in parts: sessions ("log out everywhere"), two-factor sign-in.

Changes to how the account signs in ask for the current password again; a wrong one counts
like a wrong password at sign-in.
"""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from crm.choices import SignInSurface
from crm.forms import RecoveryCodesForm, TwoFactorDisableForm
from crm.security import guard, sessions, two_factor

from .account import render_settings_page
from .common import ANY_MEMBER, creator_page


def password_confirmed(request, form) -> bool:
    """The form's password is the account's; spends the address budget, counts a wrong one."""
    if not form.is_valid():
        return False
    user = request.user
    try:
        guard.spend_address(request, surface=SignInSurface.SETTINGS, user=user, identifier=user.get_username())
    except guard.SignInThrottled as exc:
        form.add_error(None, exc.message)
        return False
    if not user.check_password(form.cleaned_data["password"]):
        guard.sign_in_failed(request, surface=SignInSurface.SETTINGS, identifier=user.get_username(), user=user)
        form.add_error("password", "That is not your current password.")
        return False
    return True


@creator_page(ANY_MEMBER)
@require_POST
def sessions_end_all(request, creator):
    """Log out everywhere, this browser included."""
    user = request.user
    response = redirect("login")
    sessions.session_sign_out(request, response)
    sessions.sessions_end_all(user=user, request=request)
    messages.success(request, "You are logged out everywhere: every session and token of your account has ended.")
    return response


@creator_page(ANY_MEMBER)
@require_POST
def session_end(request, creator, session_key):
    if session_key == request.session.session_key:
        return HttpResponseRedirect(reverse("settings") + "#sessions")
    if sessions.session_end(user=request.user, session_key=session_key, request=request):
        messages.success(request, "That session has ended.")
    else:
        messages.error(request, "That session had already ended.")
    return HttpResponseRedirect(reverse("settings") + "#sessions")


@creator_page(ANY_MEMBER)
@require_POST
def recovery_codes_renew(request, creator):
    form = RecoveryCodesForm(request.POST)
    if not two_factor.enabled(request.user):
        return HttpResponseRedirect(reverse("settings") + "#two-factor")
    if not password_confirmed(request, form):
        return render_settings_page(request, creator, codes_form=form)
    codes = two_factor.recovery_codes_renew(user=request.user, request=request)
    request.session[two_factor.NEW_CODES_KEY] = {"codes": codes, "next": reverse("settings") + "#two-factor"}
    return redirect("two_factor_codes")


@creator_page(ANY_MEMBER)
@require_POST
def two_factor_disable(request, creator):
    form = TwoFactorDisableForm(request.POST)
    if not password_confirmed(request, form):
        return render_settings_page(request, creator, disable_form=form)
    if two_factor.disable(user=request.user, request=request, surface=SignInSurface.SETTINGS):
        messages.success(request, "Two-factor sign-in is off. Your recovery codes no longer work.")
    return HttpResponseRedirect(reverse("settings") + "#two-factor")
