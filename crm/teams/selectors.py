"""Reads of the team: its members and pending invitations, always from the acting creator."""

from django.utils import timezone

from core.exceptions import NotFound
from crm.models import AuditEntry, Invitation, Membership


def team_members(*, creator) -> list[Membership]:
    return list(
        Membership.objects.filter(creator=creator).select_related("user").order_by("-is_active", "role", "user__email")
    )


def team_invitations_pending(*, creator) -> list[Invitation]:
    return list(
        Invitation.objects.filter(
            creator=creator, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        ).select_related("invited_by")
    )


def _pk(value) -> int | None:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def membership_get(*, creator, membership_id) -> Membership:
    membership = (
        Membership.objects.select_related("user", "creator").filter(creator=creator, pk=_pk(membership_id)).first()
    )
    if membership is None:
        raise NotFound("Member not found")
    return membership


def invitation_get(*, creator, invitation_id) -> Invitation:
    invitation = Invitation.objects.filter(creator=creator, pk=_pk(invitation_id)).first()
    if invitation is None:
        raise NotFound("Invitation not found")
    return invitation


def assignable_members(*, creator) -> list[Membership]:
    """Who a conversation can be assigned to: the creator's active members, with their logins."""
    return list(
        Membership.objects.filter(creator=creator, is_active=True).select_related("user").order_by("user__email")
    )


AUDIT_PAGE_SIZE = 50


def audit_page(*, creator, before=None) -> tuple[list, int | None]:
    """One page of the creator's audit log, newest first (keyset on id), and the cursor of the
    next older page (None at the end)."""
    rows = AuditEntry.objects.filter(creator=creator).order_by("-id")
    before = _pk(before) if before not in (None, "") else None
    if before is not None:
        rows = rows.filter(pk__lt=before)
    page = list(rows[: AUDIT_PAGE_SIZE + 1])
    more = len(page) > AUDIT_PAGE_SIZE
    page = page[:AUDIT_PAGE_SIZE]
    return page, (page[-1].pk if more else None)
