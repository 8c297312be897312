"""What a sign-in opens (a session and the JWT cookies of the seed-000 JavaScript) and what ends it.

A page sign-in logs the browser in (Django's session, marked verified when a second factor was
checked) and issues the JWT pair the API login issues, tied to the session: the session knows
its refresh token (ending it blacklists that token), and while it is valid the access cookie is
renewed (core.api.jwt.CookieJWTAuthentication.renew_from_session).
"""

from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_otp import login as otp_login

from core.api import jwt
from core.ratelimit import client_ip
from crm.choices import AuthEventKind
from crm.models import UserSession
from crm.session_store import REFRESH_JTI, SIGN_IN_META
from crm.teams import acting
from crm.teams import services as team_services

from . import events, guard

# The claim of the creator a token acts for (checked by crm.api.authentication.acting_member).
ACTING_CREATOR_CLAIM = "creator_id"


def active_member(request, user=None):
    """Who this browser session acts as: the creator chosen with the switcher while the user is
    still an active member of it, else their own creator, else their first membership
    (crm.teams.acting). The page sign-in, the JWT cookie it sets and every renewal of that cookie
    take the creator from here."""
    return acting.page_member(request, user)


def active_creator(request, user=None):
    """The creator this browser session acts for (see active_member), or None."""
    member = active_member(request, user)
    return member.creator if member is not None else None


def acting_claims(request, user) -> dict:
    """The `creator_id` claim of a JWT issued to this client: the session's choice or the
    user's own creator (crm.teams.acting.session_member); none otherwise."""
    member = acting.session_member(request, user)
    return {ACTING_CREATOR_CLAIM: member.creator.pk} if member is not None else {}


def session_sign_in(request, user, *, surface: str, device=None) -> jwt.Tokens:
    """Log `user` in to this browser (new session key), verified by `device` when given, and
    issue the JWT pair for its cookies; the sign-in is stored (it makes the address known)."""
    auth_login(request, user)
    if device is not None:
        otp_login(request, device)
    member = active_member(request, user)
    if member is not None:  # the pages and this browser's JWT act for the same creator
        acting.choose(request, member)
    tokens = jwt.issue_tokens(user, claims=acting_claims(request, user))
    request.session[SIGN_IN_META] = {
        "at": timezone.now().isoformat(),
        "address": client_ip(request),
        "user_agent": request.META.get("HTTP_USER_AGENT", "")[:255],
    }
    request.session[REFRESH_JTI] = tokens.refresh_jti
    request.session[jwt.RENEWS_JWT_SESSION_KEY] = True
    guard.sign_in_succeeded(request, surface=surface, user=user)
    team_services.member_signed_in(user=user)
    return tokens


def sign_in_response(request, response, user, tokens: jwt.Tokens):
    """The cookies a sign-in leaves: the JWT pair and the known-browser mark."""
    jwt.set_token_cookies(response, access=tokens.access, refresh=tokens.refresh)
    guard.remember_device(request, response, user)
    return response


def session_tokens_reissue(request, response, user) -> None:
    """New JWT cookies for this signed-in browser (after its password changed: the old pair is
    of the old version)."""
    tokens = jwt.issue_tokens(user, claims=acting_claims(request, user))
    request.session[REFRESH_JTI] = tokens.refresh_jti
    jwt.set_token_cookies(response, access=tokens.access, refresh=tokens.refresh)


def session_refresh_rotated(request, user, tokens: jwt.Tokens) -> None:
    """A browser rotated its refresh token: its session follows the new one."""
    session = getattr(request, "session", None)
    if session is not None and REFRESH_JTI in session and str(session.get("_auth_user_id")) == str(user.pk):
        session[REFRESH_JTI] = tokens.refresh_jti


def session_sign_out(request, response=None) -> None:
    """End this browser's sign-in: its refresh token is blacklisted, the session flushed and,
    given the response, the JWT cookies cleared."""
    jti = request.session.get(REFRESH_JTI)
    if jti:
        jwt.blacklist_jti(jti)
    auth_logout(request)
    if response is not None:
        jwt.clear_token_cookies(response)


def _end_rows(rows) -> int:
    for jti in rows.exclude(refresh_jti="").values_list("refresh_jti", flat=True):
        jwt.blacklist_jti(jti)
    deleted, _ = rows.delete()
    return deleted


@transaction.atomic
def sessions_end_all(*, user, request=None) -> None:
    """Log out everywhere: every session and every JWT of the user stop working (the version
    bump refuses every token; the sessions' rows go so the list is empty at once)."""
    get_user_model().objects.filter(pk=user.pk).update(token_version=F("token_version") + 1)
    user.refresh_from_db(fields=["token_version"])
    _end_rows(UserSession.objects.filter(user=user))
    events.auth_event_record(kind=AuthEventKind.SESSIONS_ENDED, request=request, user=user)


@transaction.atomic
def session_end(*, user, session_key: str, request=None) -> bool:
    """End one of the user's other sessions (and its refresh token); False when it is not theirs
    or already gone. Its access token, if any, runs out within its 15 minutes."""
    ended = _end_rows(UserSession.objects.filter(user=user, session_key=session_key)) > 0
    if ended:
        events.auth_event_record(kind=AuthEventKind.SESSION_ENDED, request=request, user=user)
    return ended


@transaction.atomic
def password_changed(*, user, request=None, keep_session_key: str | None = None, kind=AuthEventKind.PASSWORD_CHANGED):
    """After a password change or reset (the new version already ends every older session and
    token): drop the other sessions' rows and blacklist their refresh tokens, and record it."""
    rows = UserSession.objects.filter(user=user)
    if keep_session_key:
        rows = rows.exclude(session_key=keep_session_key)
    _end_rows(rows)
    events.auth_event_record(kind=kind, request=request, user=user)
