"""Which creator a request acts for, and as whom (a `policy.Member`).

The order (docs/teams.md): on the JWT surface the `X-Creator` header (a slug or an id; 404 when
the user is not an active member), then the session's active creator (the token's `creator_id`
claim for cookie clients, the session itself for session clients), then the user's own creator,
then their only membership; a user with no creator of their own and several memberships must
send `X-Creator` (400). Pages use the session's active creator (the switcher sets it), else the
user's own creator, else their first membership.

The creator's own login acting for its creator costs no query (`user.creator` is loaded with the
user); a membership is one query, made on every request, so a removed or deactivated member
loses the creator at once.
"""

from django.conf import settings

from crm.choices import Role
from crm.models import Membership

from .policy import Member

SESSION_KEY = "crm_active_creator"


def own_member(user) -> Member | None:
    creator = getattr(user, "creator", None)
    return Member(creator=creator, user=user, role=Role.OWNER) if creator is not None else None


def _as_int(value) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def member_for(user, creator_ref) -> Member | None:
    """`user` acting for the creator `creator_ref` (an id, or a slug), or None when they are not
    an active member of it (another agency's creator and a creator that does not exist alike)."""
    if user is None or not user.is_authenticated or creator_ref in (None, ""):
        return None
    own = own_member(user)
    number = _as_int(creator_ref)
    if own is not None and (own.creator.pk == number or own.creator.slug == str(creator_ref)):
        return own
    rows = Membership.objects.select_related("creator").filter(user=user, is_active=True)
    rows = rows.filter(creator_id=number) if number is not None else rows.filter(creator__slug=str(creator_ref))
    membership = rows.first()
    if membership is None:
        return None
    return Member(creator=membership.creator, user=user, role=membership.role, membership=membership)


def memberships_of(user) -> list[Membership]:
    """The user's active memberships, their creators loaded, by creator slug (the switcher)."""
    if user is None or not user.is_authenticated:
        return []
    return list(
        Membership.objects.select_related("creator").filter(user=user, is_active=True).order_by("creator__slug")
    )


def default_member(user, *, limit: int | None = None) -> tuple[Member | None, int]:
    """The user's own creator, else their memberships' first (`limit` 2 asks only whether there
    is exactly one); with how many memberships were seen."""
    own = own_member(user)
    if own is not None:
        return own, 1
    rows = Membership.objects.select_related("creator").filter(user=user, is_active=True).order_by("creator__slug")
    found = list(rows[:limit] if limit else rows[:1])
    if not found:
        return None, 0
    first = found[0]
    return Member(creator=first.creator, user=user, role=first.role, membership=first), len(found)


def _session_with_data(request):
    """The request's session if it can hold a choice: one that came with a cookie or was
    already used by this request. A cookieless API client's empty session is not loaded (that
    would add `Vary: Cookie` to its answers)."""
    session = getattr(request, "session", None)
    if session is None:
        return None
    from_cookie = settings.SESSION_COOKIE_NAME in getattr(request, "COOKIES", {})
    return session if from_cookie or session.accessed or session.modified else None


def session_member(request, user=None) -> Member | None:
    """The creator this session chose (while still a member of it), else the user's own: what
    a JWT issued to this client names in its `creator_id` claim. None for a user without a
    creator of their own whose session chose none (the JWT surface then asks for X-Creator)."""
    user = user if user is not None else request.user
    if user is None or not user.is_authenticated:
        return None
    session = _session_with_data(request)
    chosen = session.get(SESSION_KEY) if session is not None else None
    if chosen is not None:
        member = member_for(user, chosen)
        if member is not None:
            return member
        session.pop(SESSION_KEY, None)  # a creator they left: back to the default
    return own_member(user)


def page_member(request, user=None) -> Member | None:
    """The member a browser session acts as on the pages: its choice, else the default."""
    user = user if user is not None else request.user
    member = session_member(request, user)
    if member is None and user is not None and user.is_authenticated:
        member, _count = default_member(user)
    return member


def choose(request, member: Member) -> None:
    """The switcher: from now on this session acts for `member.creator`."""
    request.session[SESSION_KEY] = member.creator.pk
