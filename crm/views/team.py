"""The team's pages: switching the creator one works for, the team page (members, roles,
invitations) for owners and managers, and accepting an invitation."""

from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from core.exceptions import ApplicationError
from core.forms import add_service_error
from core.http import no_store
from crm.choices import SignInSurface
from crm.forms import InvitationAcceptForm, InviteForm, MemberRoleForm
from crm.security import sessions
from crm.teams import acting, invitations, policy
from crm.teams import selectors as team_selectors
from crm.teams import services as team_services
from crm.teams.audit import ACTION_LABELS
from crm.teams.policy import Action

from .common import creator_page


def _safe_next(request) -> str:
    candidate = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return candidate
    return "home"


@login_required
@require_POST
def creator_switch(request):
    """The header's switcher: this browser acts for another creator the user is a member of
    (404 for any other), and its JWT cookies are reissued for it."""
    member = acting.member_for(request.user, request.POST.get("creator", ""))
    if member is None:
        raise Http404("Creator not found")
    acting.choose(request, member)
    messages.success(request, f"You are working for {member.creator}.")
    # A page under another creator's ids would be a 404 now: land on its list instead.
    target = _safe_next(request)
    if any(target.startswith(prefix) for prefix in ("/fans/", "/inbox/")) and target not in ("/fans/", "/inbox/"):
        target = "/" + target.split("/")[1] + "/"
    response = redirect(target)
    sessions.session_tokens_reissue(request, response, request.user)
    return response


# --- The team page ---------------------------------------------------------------------------


def render_team_page(request, creator, *, invite_form=None, error="", status=200):
    member = request.member
    members = team_selectors.team_members(creator=creator)
    rows = [
        {
            "membership": m,
            "is_own_login": m.user_id == creator.user_id,
            "may_change": m.user_id != creator.user_id
            and policy.may_set_role(member, current_role=m.role, new_role=m.role),
            "role_form": MemberRoleForm(initial={"role": m.role}, auto_id=f"id_member{m.pk}_%s"),
        }
        for m in members
    ]
    context = {
        "rows": rows,
        "invitations": team_selectors.team_invitations_pending(creator=creator),
        "invite_form": invite_form or InviteForm(),
        "error": error,
    }
    if invite_form is not None and invite_form.errors:
        status = 400
    return render(request, "crm/team/team.html", context, status=status)


@creator_page(Action.TEAM_READ)
def team_page(request, creator):
    return render_team_page(request, creator)


@creator_page(Action.TEAM_MANAGE)
@require_POST
def team_invite(request, creator):
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            invitation, _raw = invitations.invitation_create(
                member=request.member, email=form.cleaned_data["email"], role=form.cleaned_data["role"]
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("team")
    return render_team_page(request, creator, invite_form=form)


@creator_page(Action.TEAM_MANAGE)
@require_POST
def team_invitation_revoke(request, creator, invitation_id):
    invitation = team_selectors.invitation_get(creator=creator, invitation_id=invitation_id)
    if not policy.may_set_role(request.member, current_role=None, new_role=invitation.role):
        raise PermissionDenied("Only owners revoke an owner's invitation")
    invitations.invitation_revoke(invitation=invitation)
    messages.success(request, f"The invitation to {invitation.email} is revoked.")
    return redirect("team")


def _member_change(request, creator, membership_id, change, *, new_role=None):
    membership = team_selectors.membership_get(creator=creator, membership_id=membership_id)
    target_role = new_role or membership.role
    if not policy.may_set_role(request.member, current_role=membership.role, new_role=target_role):
        raise PermissionDenied("Only owners change owners")
    try:
        change(membership)
    except ApplicationError as exc:
        return render_team_page(request, creator, error=exc.message, status=400)
    return redirect("team")


@creator_page(Action.TEAM_MANAGE)
@require_POST
def team_member_role(request, creator, membership_id):
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        return render_team_page(request, creator, error="Choose a role.", status=400)
    role = form.cleaned_data["role"]
    return _member_change(
        request, creator, membership_id,
        lambda m: team_services.membership_set_role(membership=m, role=role), new_role=role,
    )


@creator_page(Action.TEAM_MANAGE)
@require_POST
def team_member_active(request, creator, membership_id):
    if request.POST.get("active") not in ("0", "1"):
        return render_team_page(request, creator, error="Choose to deactivate or reactivate.", status=400)
    active = request.POST.get("active") == "1"
    return _member_change(
        request, creator, membership_id, lambda m: team_services.membership_set_active(membership=m, is_active=active)
    )


@creator_page(Action.TEAM_MANAGE)
@require_POST
def team_member_remove(request, creator, membership_id):
    return _member_change(request, creator, membership_id, lambda m: team_services.membership_remove(membership=m))


@creator_page(Action.AUDIT_READ)
def audit_log(request, creator):
    """The creator's audit log for owners and managers, newest first."""
    rows, older = team_selectors.audit_page(creator=creator, before=request.GET.get("before"))
    entries = [{"entry": entry, "label": ACTION_LABELS.get(entry.action, entry.action)} for entry in rows]
    return render(request, "crm/team/audit.html", {"entries": entries, "older": older})


# --- Accepting an invitation -----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def invitation_accept(request, token):
    """The link of an invitation mail. A new address sets a password (a login is made and
    signed in); an address with a login accepts once signed in as it."""
    try:
        invitation = invitations.invitation_from_link(token)
    except ApplicationError as exc:
        return no_store(render(request, "crm/team/accept.html", {"error": exc.message}, status=400))
    existing = invitations.existing_login(invitation)
    signed_in = request.user.is_authenticated
    form = InvitationAcceptForm(request.POST or None) if existing is None else None
    context = {"invitation": invitation, "existing": existing, "form": form, "token": token}
    if request.method == "POST":
        try:
            if existing is not None:
                if not signed_in or request.user.pk != existing.pk:
                    raise ApplicationError("Sign in as the invited address to accept.")
                membership = invitations.invitation_accept(invitation=invitation, user=request.user)
            elif form.is_valid():
                if signed_in:  # someone else's browser: the new login signs in instead
                    auth_logout(request)
                membership = invitations.invitation_accept(
                    invitation=invitation, password=form.cleaned_data["password1"]
                )
            else:
                return no_store(render(request, "crm/team/accept.html", context, status=400))
        except ApplicationError as exc:
            if form is not None:
                add_service_error(form, exc)
            context["error"] = exc.message if form is None or exc.field not in form.fields else ""
            return no_store(render(request, "crm/team/accept.html", context, status=400))
        member = acting.member_for(membership.user, membership.creator.pk)
        response = redirect("inbox")
        if existing is None:
            tokens = sessions.session_sign_in(request, membership.user, surface=SignInSurface.PAGE)
            acting.choose(request, member)
            sessions.sign_in_response(request, response, membership.user, tokens)
        else:
            acting.choose(request, member)
        sessions.session_tokens_reissue(request, response, membership.user)
        messages.success(request, f"Welcome to the team of {membership.creator}.")
        return response
    return no_store(render(request, "crm/team/accept.html", context))
