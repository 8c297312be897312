"""Writes of the team: memberships and their roles (every rule of docs/teams.md once)."""

from django.db import transaction

from core.exceptions import InvalidInput
from crm import signals
from crm.choices import Role
from crm.models import Creator, Membership

from .actor import Actor
from .audit import AuditAction, audit_record


def membership_first_owner(*, creator: Creator) -> Membership:
    """The creator's own login is its first owner (made with the creator, kept forever: its
    role and access are the account's own and cannot be changed by the team)."""
    membership, _created = Membership.objects.get_or_create(
        user_id=creator.user_id, creator=creator, defaults={"role": Role.OWNER}
    )
    return membership


def _active_owners(creator: Creator):
    return Membership.objects.filter(creator=creator, role=Role.OWNER, is_active=True)


def _guard_owner_left(membership: Membership, *, leaving: bool) -> None:
    """The last active owner cannot be demoted, deactivated or removed; the creator's own
    login is never changed by the team."""
    if membership.user_id == membership.creator.user_id:
        raise InvalidInput("The creator's own login stays its owner", field="role")
    if leaving and membership.role == Role.OWNER and membership.is_active:
        others = _active_owners(membership.creator).exclude(pk=membership.pk)
        if not others.exists():
            raise InvalidInput("A creator keeps at least one owner", field="role")


@transaction.atomic
def membership_set_role(*, membership: Membership, role: str) -> Membership:
    if role not in Role.values:
        raise InvalidInput("Invalid role", field="role")
    membership = Membership.objects.select_for_update().select_related("creator").get(pk=membership.pk)
    if role == membership.role:
        return membership
    _guard_owner_left(membership, leaving=membership.role == Role.OWNER)
    previous, membership.role = membership.role, role
    membership.save(update_fields=["role", "updated_at"])
    _audit(membership, AuditAction.MEMBER_ROLE_CHANGED, role=role, previous_role=previous)
    return membership


@transaction.atomic
def membership_set_active(*, membership: Membership, is_active: bool) -> Membership:
    membership = Membership.objects.select_for_update().select_related("creator").get(pk=membership.pk)
    if membership.is_active == is_active:
        return membership
    _guard_owner_left(membership, leaving=not is_active)
    membership.is_active = is_active
    membership.save(update_fields=["is_active", "updated_at"])
    _audit(membership, AuditAction.MEMBER_REACTIVATED if is_active else AuditAction.MEMBER_DEACTIVATED)
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    membership = Membership.objects.select_for_update().select_related("creator").get(pk=membership.pk)
    _guard_owner_left(membership, leaving=True)
    _audit(membership, AuditAction.MEMBER_REMOVED)
    membership.delete()


def _audit(membership: Membership, action: str, **details) -> None:
    """The audit entry of a membership change, and the signal that ends what the member may no
    longer watch (crm.live): every change to a membership goes through here."""
    signals.membership_changed.send(sender=Membership, membership=membership)
    audit_record(
        creator_id=membership.creator_id, action=action, obj=membership, user_id=membership.user_id, **details
    )


def member_signed_in(*, user) -> None:
    """A sign-in is in the audit log of every creator the login works for."""
    for creator_id in Membership.objects.filter(user=user, is_active=True).values_list("creator_id", flat=True):
        audit_record(
            creator_id=creator_id, action=AuditAction.MEMBER_SIGNED_IN, object_type="user", object_id=user.pk,
            actor=Actor(user=user),
        )
