"""Signing in and out of the pages (and the admin, through crm.admin_site).

A sign-in is the password step (the budgets of crm.security.guard, in the form), then, for an
account with two-factor sign-in or a staff login entering the admin, the code step; it ends with
a session and the JWT cookies the seed-000 JavaScript uses (crm.security.sessions).
"""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login

from crm.choices import SignInSurface
from crm.forms import LoginForm, TwoFactorCodeForm
from crm.security import guard, sessions, two_factor


def throttled_response(response, throttled: guard.SignInThrottled):
    response.status_code = 429
    response["Retry-After"] = str(throttled.usage.retry_after)
    return response


def password_step_done(request, user, *, surface: str, next_url: str, two_factor_required: bool):
    """The password was right: the code step when it is due, else the signed-in browser."""
    if two_factor.enabled(user):
        two_factor.pending_start(request, user, surface=surface, next_url=next_url, enrol=False)
        return redirect("two_factor_verify")
    if two_factor_required:
        two_factor.pending_start(request, user, surface=surface, next_url=next_url, enrol=True)
        return redirect("two_factor_setup")
    tokens = sessions.session_sign_in(request, user, surface=surface)
    return sessions.sign_in_response(request, HttpResponseRedirect(next_url), user, tokens)


class PasswordSignInView(auth_views.LoginView):
    """Django's LoginView whose success goes through `password_step_done`; over a budget the form
    comes back with status 429 and Retry-After."""

    surface = SignInSurface.PAGE

    def two_factor_required(self, user) -> bool:
        return False

    def form_valid(self, form):
        user = form.get_user()
        return password_step_done(
            self.request, user, surface=self.surface, next_url=self.get_success_url(),
            two_factor_required=self.two_factor_required(user),
        )

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.throttled is not None:
            throttled_response(response, form.throttled)
        return response


class LoginView(PasswordSignInView):
    template_name = "auth/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """Ends the session, blacklists its refresh token and clears the JWT cookies."""

    def post(self, request, *args, **kwargs):
        redirect_to = self.get_success_url()
        response = HttpResponseRedirect(redirect_to)
        sessions.session_sign_out(request, response)
        return response


@login_required
def home(request):
    return render(request, "crm/home.html")


# --- The code step ------------------------------------------------------------------------------


def _safe_next(request, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return candidate
    return default


def _subject(request):
    """Who completes a second factor here: (user, pending state) of a sign-in waiting for it, or
    (user, None) for a signed-in browser that is not verified yet (staff on their way to the
    admin, a creator turning it on); None for anybody else."""
    waiting = two_factor.pending(request)
    if waiting is not None:
        return waiting
    user = request.user
    if user.is_authenticated and not user.is_verified():
        return user, None
    return None


def _finish(request, user, state, device, *, next_url: str):
    """Verified: a waiting sign-in becomes a signed-in browser; a signed-in one is marked verified."""
    if state is None:
        otp_login(request, device)
        return HttpResponseRedirect(next_url)
    two_factor.pending_clear(request)
    tokens = sessions.session_sign_in(request, user, surface=state["surface"], device=device)
    return sessions.sign_in_response(request, HttpResponseRedirect(next_url), user, tokens)


def _no_subject(request):
    return redirect("settings" if request.user.is_authenticated else "login")


def _code_form_page(request, template: str, context: dict, form, *, throttled=None):
    status = 429 if throttled else (400 if form.errors else 200)
    response = render(request, template, {**context, "form": form}, status=status)
    return throttled_response(response, throttled) if throttled else response


@never_cache
def two_factor_verify(request):
    subject = _subject(request)
    if subject is None:
        return _no_subject(request)
    user, state = subject
    if not two_factor.enabled(user):
        return redirect("two_factor_setup")
    context = {"next": _safe_next(request, "/"), "signing_in": state is not None}
    form = TwoFactorCodeForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        return _code_form_page(request, "auth/two_factor.html", context, form)
    identifier = user.get_username()
    try:
        guard.sign_in_check(request, surface=SignInSurface.TWO_FACTOR, identifier=identifier, user=user)
    except guard.SignInThrottled as exc:
        form.add_error(None, exc.message)
        return _code_form_page(request, "auth/two_factor.html", context, form, throttled=exc)
    device, error = two_factor.verify(user=user, code=form.cleaned_data["code"], request=request)
    if device is None:
        guard.sign_in_failed(request, surface=SignInSurface.TWO_FACTOR, identifier=identifier, user=user)
        form.add_error("code", error)
        return _code_form_page(request, "auth/two_factor.html", context, form)
    next_url = state["next"] if state else context["next"]
    return _finish(request, user, state, device, next_url=next_url)


@never_cache
def two_factor_setup(request):
    """Turn two-factor sign-in on: scan the code (or type the secret), confirm with a first code.
    A staff sign-in into the admin must do this before it gets in."""
    subject = _subject(request)
    if subject is None:
        return _no_subject(request)
    user, state = subject
    if two_factor.enabled(user):
        return redirect("two_factor_verify")
    device = two_factor.totp_device_unconfirmed(user=user)
    context = {
        "qr_svg": two_factor.qr_svg(device),
        "secret": two_factor.secret_base32(device),
        "next": _safe_next(request, reverse("settings")),
        "signing_in": state is not None,
    }
    form = TwoFactorCodeForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        return _code_form_page(request, "auth/two_factor_setup.html", context, form)
    try:
        guard.spend_address(request, surface=SignInSurface.TWO_FACTOR, user=user, identifier=user.get_username())
    except guard.SignInThrottled as exc:
        form.add_error(None, exc.message)
        return _code_form_page(request, "auth/two_factor_setup.html", context, form, throttled=exc)
    codes = two_factor.totp_device_confirm(user=user, device=device, code=form.cleaned_data["code"], request=request)
    if codes is None:
        if state is not None:  # a sign-in's guess counts like a wrong code at sign-in
            guard.sign_in_failed(request, surface=SignInSurface.TWO_FACTOR, identifier=user.get_username(), user=user)
        form.add_error("code", "That code is not right. Check the time on your phone and try the next one.")
        return _code_form_page(request, "auth/two_factor_setup.html", context, form)
    device.refresh_from_db()
    next_url = state["next"] if state else context["next"]
    response = _finish(request, user, state, device, next_url=reverse("two_factor_codes"))
    request.session[two_factor.NEW_CODES_KEY] = {"codes": codes, "next": next_url}
    return response


@never_cache
@login_required
def two_factor_codes(request):
    """New recovery codes, shown once (kept in the server-side session until this page)."""
    new = request.session.pop(two_factor.NEW_CODES_KEY, None)
    if not new:
        return redirect("settings")
    return render(request, "auth/two_factor_codes.html", {"codes": new["codes"], "next": new["next"]})
