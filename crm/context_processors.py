from django.utils.functional import SimpleLazyObject

from crm import selectors
from crm.security import sessions
from crm.teams import acting, policy


def creator(request):
    """Whose data the page shows and who acts: the acting creator (the creator pages set
    `request.member`; elsewhere the session's active member, resolved only if a template asks),
    what their role may do (`team_can`: templates show a control only when its action is
    allowed) and the creators the switcher offers (`team_memberships`, read only where a
    template shows the switcher)."""
    user = getattr(request, "user", None)
    resolved = {}

    def member():
        if "member" not in resolved:
            found = getattr(request, "member", None)
            if found is None and user is not None and user.is_authenticated:
                found = sessions.active_member(request)
            resolved["member"] = found
        return resolved["member"]

    def current_creator():
        found = member()
        return found.creator if found is not None else None

    def nav_unread_total():
        found = current_creator()
        return selectors.unread_total(creator_id=found.pk) if found is not None else 0

    return {
        "current_creator": SimpleLazyObject(current_creator) if _signed_in(user) else None,
        # The nav badge's unread total: a callable, read only when a template shows it.
        "nav_unread_total": nav_unread_total,
        "current_member": SimpleLazyObject(member) if _signed_in(user) else None,
        "team_can": SimpleLazyObject(lambda: policy.allowed(member())),
        # A callable: the template reads it (one query) only where it shows the switcher.
        "team_memberships": lambda: acting.memberships_of(user),
    }


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated
