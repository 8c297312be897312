"""The permission matrix of team roles: the one place that says who may do what.

Pages (`crm.views.common.creator_page(action=...)`), both REST surfaces (`policy_actions` on
`crm.api.base.CreatorAPIView`), screening's pages and the settings page ask `can` / `require`
here and nowhere else. Staff permissions in the admin stay Django's. An API key acts as the
owner. docs/teams.md renders `MATRIX` as a table (a test checks that it matches).
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

from crm.choices import Role


class Action:
    """What a member may be allowed to do within one creator."""

    INBOX_READ = "inbox.read"
    INBOX_REPLY = "inbox.reply"
    INBOX_TAG = "inbox.tag"
    INBOX_ARCHIVE = "inbox.archive"
    INBOX_ASSIGN_SELF = "inbox.assign_self"
    INBOX_ASSIGN_ANY = "inbox.assign_any"
    FANS_READ = "fans.read"
    FANS_NOTES = "fans.notes"
    FANS_TAG = "fans.tag"
    FANS_WRITE = "fans.write"  # create fans, edit their profile (status, category, contact details)
    FANS_DELETE = "fans.delete"
    FAN_VALUE_READ = "fans.value"
    MONEY_RECORD = "money.record"
    REVENUE_READ = "revenue.read"
    SCREENING_READ = "screening.read"
    SCREENING_WRITE = "screening.write"
    VIEW_PRIVATE_FIELDS = "view_private_fields"  # decrypted email and phone, screening details
    EXPORTS = "exports"
    API_KEYS = "api_keys.manage"
    PLATFORMS = "platforms.manage"
    SETTINGS = "settings.manage"
    TEAM_READ = "team.read"
    TEAM_MANAGE = "team.manage"  # invite, change non-owner roles, deactivate, remove non-owners
    TEAM_OWNERS = "team.owners"  # make or unmake owners, remove or deactivate an owner
    AUDIT_READ = "audit.read"
    CAMPAIGNS = "campaigns.manage"  # scheduled messages, segments, mass messages and their reports


ALL_ACTIONS = tuple(value for name, value in vars(Action).items() if name.isupper())

CHATTER_ACTIONS = frozenset(
    {
        Action.INBOX_READ,
        Action.INBOX_REPLY,
        Action.INBOX_TAG,
        Action.INBOX_ARCHIVE,
        Action.INBOX_ASSIGN_SELF,
        Action.FANS_READ,
        Action.FANS_NOTES,
        Action.FANS_TAG,
        Action.FAN_VALUE_READ,
    }
)
MANAGER_ACTIONS = frozenset(ALL_ACTIONS) - {Action.TEAM_OWNERS}
OWNER_ACTIONS = frozenset(ALL_ACTIONS)

MATRIX: dict[str, frozenset[str]] = {
    Role.OWNER: OWNER_ACTIONS,
    Role.MANAGER: MANAGER_ACTIONS,
    Role.CHATTER: CHATTER_ACTIONS,
}


@dataclass(frozen=True)
class Member:
    """Who a request acts as within `creator`: a user in a role (`membership` their row, None
    for the creator's own login, which is always an owner) or an API key (as the owner)."""

    creator: object
    user: object
    role: str
    membership: object = None
    api_key: object = None

    @property
    def is_api_key(self) -> bool:
        return self.api_key is not None


def can(member: Member | None, action: str) -> bool:
    if action not in OWNER_ACTIONS:
        raise ValueError(f"Unknown action {action!r}")
    return member is not None and action in MATRIX.get(member.role, frozenset())


def require(member: Member | None, action: str) -> None:
    """403 on every surface (pages, `{"error": "Forbidden"}`, the v1 envelope) unless allowed."""
    if not can(member, action):
        raise PermissionDenied(f"Your role may not do {action}")


def allowed(member: Member | None) -> frozenset[str]:
    """Everything `member` may do (templates show or hide controls with it)."""
    return MATRIX.get(member.role, frozenset()) if member is not None else frozenset()


def may_assign(member: Member, *, assignee_id, current_assignee_id) -> bool:
    """Managers and owners assign anyone; a chatter takes an unassigned conversation (or
    gives back their own)."""
    if can(member, Action.INBOX_ASSIGN_ANY):
        return True
    if not can(member, Action.INBOX_ASSIGN_SELF):
        return False
    if assignee_id == current_assignee_id:
        return True  # no change
    mine = member.user.pk
    if assignee_id == mine:
        return current_assignee_id in (None, mine)
    return assignee_id is None and current_assignee_id == mine


def may_set_role(member: Member, *, current_role: str | None, new_role: str | None) -> bool:
    """Team changes: managers handle managers and chatters; only owners touch owners."""
    if not can(member, Action.TEAM_MANAGE):
        return False
    touches_owner = Role.OWNER in (current_role, new_role)
    return not touches_owner or can(member, Action.TEAM_OWNERS)
