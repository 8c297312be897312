"""Password reset by email: Django's views and tokens, under the sign-in budgets.

- Asking: at most LOGIN_RATE_LIMIT requests per address (over it: 429, Retry-After) and
  PASSWORD_RESET_EMAIL_RATE_LIMIT mails per account; the answer is the same whether the address
  belongs to an account or not, and whether a mail was sent or held back.
- The link: Django's token (it is bound to the password and the last login, so it works once,
  and PASSWORD_RESET_TIMEOUT after it was sent it stops). A wrong, used or expired link is a 400
  page, counted against the address and stored.
- The new password bumps the token version: every session and token of the account ends.
"""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.urls import reverse_lazy

from core import ratelimit
from crm.choices import AuthEventKind, SignInSurface
from crm.security import events, guard, sessions

from .auth import throttled_response


class ThrottledPasswordResetForm(PasswordResetForm):
    """Mails an account at most PASSWORD_RESET_EMAIL_RATE_LIMIT times (silently: no difference
    shows, so nobody learns whether the address has an account)."""

    request = None

    def get_users(self, email):
        for user in super().get_users(email):
            usage = ratelimit.hit(
                self.request, group=guard.RESET_EMAIL_GROUP, key=f"user:{user.pk}",
                rate=settings.PASSWORD_RESET_EMAIL_RATE_LIMIT,
            )
            events.auth_event_record(
                kind=AuthEventKind.PASSWORD_RESET_REQUESTED, request=self.request, user=user,
                surface=SignInSurface.PASSWORD_RESET,
            )
            if not usage.exceeded:
                yield user


def _spend(request, view, *, identifier: str = ""):
    """The reset forms' address budget; a 429 response when over it, else None."""
    try:
        guard.spend_address(
            request, surface=SignInSurface.PASSWORD_RESET, group=guard.RESET_ADDRESS_GROUP, identifier=identifier
        )
    except guard.SignInThrottled as exc:
        response = view.render_to_response(view.get_context_data(throttled=exc.message))
        return throttled_response(response, exc)
    return None


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "auth/password_reset_form.html"
    email_template_name = "auth/password_reset_email.txt"
    subject_template_name = "auth/password_reset_subject.txt"
    form_class = ThrottledPasswordResetForm
    success_url = reverse_lazy("password_reset_done")

    def post(self, request, *args, **kwargs):
        refused = _spend(request, self, identifier=request.POST.get("email", ""))
        return refused or super().post(request, *args, **kwargs)

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.request = self.request
        return form

    def form_valid(self, form):
        minutes = settings.PASSWORD_RESET_TIMEOUT // 60
        self.extra_email_context = {"valid_for": f"{minutes} minutes" if minutes != 60 else "hour"}
        return super().form_valid(form)

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "auth/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "auth/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")
    validlink = False  # until dispatch has checked the link
    user = None

    def dispatch(self, request, *args, **kwargs):
        if request.method == "POST":
            refused = _spend(request, self)
            if refused:
                return refused
        response = super().dispatch(request, *args, **kwargs)
        if not self.validlink and response.status_code == 200:
            # A wrong, used or expired link: refused, counted, stored.
            response.status_code = 400
            if request.method != "POST":
                refused = _spend(request, self)
                if refused:
                    return refused
            events.auth_event_record(
                kind=AuthEventKind.SIGN_IN_FAILED, request=request, user=self.user,
                surface=SignInSurface.PASSWORD_RESET, identifier="reset link",
            )
        return response

    def form_valid(self, form):
        response = super().form_valid(form)  # set_password: the token version moves on
        sessions.password_changed(user=form.user, request=self.request, kind=AuthEventKind.PASSWORD_RESET)
        return response

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "auth/password_reset_complete.html"
