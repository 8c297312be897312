"""Settings: API keys, the Instagram connection, password, sessions and two-factor sign-in
(the sign-in actions themselves: crm.views.security)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core.exceptions import ApplicationError
from core.forms import add_service_error
from crm import chat, selectors, services
from crm.choices import Platform
from crm.extensions import settings_panels
from crm.forms import (
    ApiKeyForm,
    InstagramConnectForm,
    InstagramDeliveryForm,
    RecoveryCodesForm,
    SavedReplyForm,
    TwoFactorDisableForm,
)
from crm.security import selectors as security_selectors
from crm.security import sessions, two_factor
from crm.teams import policy
from crm.teams.policy import Action

from .common import ANY_MEMBER, creator_page

# The raw key of a key just created waits in the session (server-side), not in a messages
# cookie, and is removed the first time the settings page shows it.
NEW_KEY_SESSION = "settings.new_api_key"


def _sign_in_context(request, *, codes_form=None, disable_form=None) -> dict:
    user = request.user
    two_factor_on = two_factor.enabled(user)
    return {
        "sessions": security_selectors.user_sessions_active(user=user),
        "current_session_key": request.session.session_key,
        "two_factor_on": two_factor_on,
        "recovery_codes_left": two_factor.recovery_codes_left(user) if two_factor_on else 0,
        "codes_form": codes_form or RecoveryCodesForm(),
        "disable_form": disable_form or TwoFactorDisableForm(),
        "security_events": security_selectors.auth_events_of_user(user=user),
    }


def _delivery_form(account, data=None):
    form = InstagramDeliveryForm(
        data,
        auto_id=f"id_igd{account.pk}_%s",
        initial={"delivery_enabled": account.delivery_enabled, "token_expires_at": account.token_expires_at},
    )
    return form


def _account_rows(accounts, delivery_forms: dict) -> list[dict]:
    """Each connected account with its delivery form and the token's state (warned before expiry)."""
    now = timezone.now()
    rows = []
    for account in accounts:
        expired = account.token_expires_at is not None and account.token_expires_at <= now
        rows.append({
            "account": account,
            "form": delivery_forms.get(account.pk) or _delivery_form(account),
            "has_token": bool(account.access_token),
            "token_expired": expired,
            "token_expiring": not expired and account.token_expires_within(settings.DELIVERY_TOKEN_WARNING_DAYS, now=now),
        })
    return rows


def _saved_reply_rows(creator, edit_forms: dict) -> list[dict]:
    return [
        {
            "reply": reply,
            "form": edit_forms.get(reply.pk)
            or SavedReplyForm(auto_id=f"id_sr{reply.pk}_%s", initial={"title": reply.title, "body": reply.body}),
        }
        for reply in selectors.saved_replies_list(creator=creator)
    ]


def render_settings_page(
    request, creator, *, key_form=None, instagram_form=None, password_form=None, codes_form=None, disable_form=None,
    delivery_forms=None, reply_form=None, reply_edit_forms=None,
):
    new_key = request.session.pop(NEW_KEY_SESSION, None)
    if password_form is None:
        password_form = PasswordChangeForm(request.user)
        # Django autofocuses the old password; on a page of several sections that would jump
        # the screen (and a screen reader) to the bottom.
        password_form.fields["old_password"].widget.attrs.pop("autofocus", None)
    # A role without the creator's keys and connections sees only its own sign-in settings.
    keys_shown = policy.can(request.member, Action.API_KEYS)
    platforms_shown = policy.can(request.member, Action.PLATFORMS)
    accounts = selectors.platform_accounts_list(creator=creator, platform=Platform.INSTAGRAM) if platforms_shown else []
    context = {
        "new_key": new_key if keys_shown else None,
        "api_keys": selectors.api_keys_list(creator=creator) if keys_shown else [],
        "key_form": key_form or ApiKeyForm(),
        "instagram_form": instagram_form or InstagramConnectForm(),
        "password_form": password_form,
        "instagram_accounts": accounts,
        "instagram_rows": _account_rows(accounts, delivery_forms or {}),
        "saved_reply_rows": _saved_reply_rows(creator, reply_edit_forms or {}) if policy.can(request.member, Action.SETTINGS) else [],
        "reply_form": reply_form or SavedReplyForm(),
        "callback_url": request.build_absolute_uri("/api/webhooks/instagram"),
        "verify_token": settings.INSTAGRAM_WEBHOOK_VERIFY_TOKEN,
        "chat_away_message": chat.stored_away_message(creator),
        "chat_away_default": chat.DEFAULT_AWAY_MESSAGE,
        "chat_page_slug": creator.slug,
    }
    context.update(_sign_in_context(request, codes_form=codes_form, disable_form=disable_form))
    context["settings_panels"] = _panels(request, creator, context) if platforms_shown else {}
    forms = (
        key_form, instagram_form, password_form, codes_form, disable_form, reply_form,
        *(delivery_forms or {}).values(), *(reply_edit_forms or {}).values(),
    )
    failed = any(f is not None and f.is_bound and f.errors for f in forms)
    return render(request, "crm/settings.html", context, status=400 if failed else 200)


def _panels(request, creator, context: dict) -> dict[str, list]:
    """The registered panels by settings section; what each needs joins the page's context."""
    panels: dict[str, list] = {}
    for panel in settings_panels:
        context.update(panel.context(request, creator))
        panels.setdefault(panel.section, []).append(panel)
    return panels


@creator_page(ANY_MEMBER)
@never_cache
def settings_page(request, creator):
    return render_settings_page(request, creator)


@creator_page(Action.API_KEYS)
@require_POST
def api_key_create(request, creator):
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        return render_settings_page(request, creator, key_form=form)
    api_key, raw_key = services.api_key_create(creator=creator, name=form.cleaned_data["name"])
    request.session[NEW_KEY_SESSION] = {"name": api_key.name, "raw": raw_key}
    messages.success(request, f"API key “{api_key.name}” created. Copy it now: it is shown only once.")
    return redirect("settings")


@creator_page(Action.API_KEYS)
@require_POST
def api_key_revoke(request, creator, key_id):
    api_key = selectors.api_key_get(creator=creator, key_id=key_id)
    services.api_key_revoke(api_key=api_key)
    messages.success(request, f"API key “{api_key.name}” revoked.")
    return redirect("settings")


@creator_page(Action.PLATFORMS)
@require_POST
def instagram_connect(request, creator):
    form = InstagramConnectForm(request.POST)
    if form.is_valid():
        try:
            account = services.platform_account_connect(
                creator=creator, platform=Platform.INSTAGRAM, **form.cleaned_data
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"Instagram account {account.external_account_id} connected.")
            return redirect("settings")
    return render_settings_page(request, creator, instagram_form=form)


@creator_page(Action.PLATFORMS)
@require_POST
def instagram_delivery(request, creator, account_id):
    """A new access token, its expiry, and the switch "send replies through Instagram"."""
    account = selectors.platform_account_get(creator=creator, account_id=account_id)
    form = _delivery_form(account, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        changes = {"delivery_enabled": data["delivery_enabled"]}
        if data["access_token"]:
            changes.update(access_token=data["access_token"], token_expires_at=data["token_expires_at"])
        elif data["token_expires_at"] and account.access_token:
            changes["token_expires_at"] = data["token_expires_at"]
        try:
            services.platform_account_update(account=account, **changes)
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            state = "on" if account.delivery_enabled else "off"
            messages.success(request, f"Instagram account {account.external_account_id}: sending replies is {state}.")
            return redirect("settings")
    return render_settings_page(request, creator, delivery_forms={account.pk: form})


@creator_page(Action.PLATFORMS)
@require_POST
def instagram_disconnect(request, creator, account_id):
    account = selectors.platform_account_get(creator=creator, account_id=account_id)
    services.platform_account_disconnect(account=account)
    messages.success(request, f"Instagram account {account.external_account_id} disconnected.")
    return redirect("settings")


@creator_page(ANY_MEMBER)
@require_POST
def password_change(request, creator):
    form = PasswordChangeForm(request.user, request.POST)
    if form.is_valid():
        user = form.save()  # set_password: every other session and token of the account ends
        update_session_auth_hash(request, user)  # this browser stays signed in
        sessions.password_changed(user=user, request=request, keep_session_key=request.session.session_key)
        messages.success(request, "Password changed. Every other session of your account has ended.")
        response = redirect("settings")
        sessions.session_tokens_reissue(request, response, user)
        return response
    return render_settings_page(request, creator, password_form=form)


# --- Saved replies -------------------------------------------------------------------------


@creator_page(Action.SETTINGS)
@require_POST
def saved_reply_create(request, creator):
    form = SavedReplyForm(request.POST)
    if form.is_valid():
        try:
            reply = services.saved_reply_create(creator=creator, **form.cleaned_data)
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"Saved reply “{reply.title}” added.")
            return redirect(f"{reverse('settings')}#saved-replies")
    return render_settings_page(request, creator, reply_form=form)


@creator_page(Action.SETTINGS)
@require_POST
def saved_reply_update(request, creator, reply_id):
    reply = selectors.saved_reply_get(creator=creator, reply_id=reply_id)
    form = SavedReplyForm(request.POST, auto_id=f"id_sr{reply.pk}_%s")
    if form.is_valid():
        try:
            services.saved_reply_update(reply=reply, **form.cleaned_data)
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"Saved reply “{reply.title}” saved.")
            return redirect(f"{reverse('settings')}#saved-replies")
    return render_settings_page(request, creator, reply_edit_forms={reply.pk: form})


@creator_page(Action.SETTINGS)
@require_POST
def saved_reply_delete(request, creator, reply_id):
    reply = selectors.saved_reply_get(creator=creator, reply_id=reply_id)
    services.saved_reply_delete(reply=reply)
    messages.success(request, f"Saved reply “{reply.title}” deleted.")
    return redirect(f"{reverse('settings')}#saved-replies")
