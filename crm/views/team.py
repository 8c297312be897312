"""The team's pages: switching the creator one works for (and, for owners and managers, the
team itself: crm.views.team_manage)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from crm.security import sessions
from crm.teams import acting


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
