"""Invitations: owners and managers invite by email with a role; the link is single-use,
valid `INVITATION_DAYS` (7), revocable, and signed (a forged or altered link is refused before
any lookup). The raw token is mailed once; only its hash is stored."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from core.crypto import token_hash
from core.exceptions import InvalidInput
from crm import validators
from crm.choices import Role
from crm.models import Invitation, Membership

from . import policy
from .actor import Actor
from .audit import AuditAction, audit_record

SALT = "crm.teams.invitation"
LINK_DOES_NOT_WORK = "This invitation link does not work: it was used, revoked, has expired or is not ours."


def invitation_url(raw_token: str) -> str:
    """The absolute link of an invitation, on the public address (PUBLIC_BASE_URL)."""
    signed = signing.Signer(salt=SALT).sign(raw_token)
    return settings.PUBLIC_BASE_URL + reverse("invitation_accept", kwargs={"token": signed})


def _clean_email(email: str) -> str:
    try:
        cleaned = validators.clean_email(email)
    except ValidationError:
        cleaned = ""
    if not cleaned:
        raise InvalidInput("Enter a valid email address.", field="email")
    return cleaned.lower()


@transaction.atomic
def invitation_create(*, member: policy.Member, email: str, role: str) -> tuple[Invitation, str]:
    """A new invitation (and the raw token its mail carries). Managers invite managers and
    chatters; only owners invite owners. A newer invitation to the same address replaces the
    pending one; an address that already is an active member is refused."""
    email = _clean_email(email)
    if role not in Role.values:
        raise InvalidInput("Invalid role", field="role")
    if not policy.may_set_role(member, current_role=None, new_role=role):
        raise InvalidInput("Your role may not invite with this role.", field="role")
    creator = member.creator
    if Membership.objects.filter(creator=creator, is_active=True, user__email__iexact=email).exists():
        raise InvalidInput("This address already is a member of the team.", field="email")
    now = timezone.now()
    Invitation.objects.filter(
        creator=creator, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    raw = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        creator=creator,
        email=email,
        role=role,
        token_hash=token_hash(raw),
        invited_by=member.user if not member.is_api_key else None,
        created_at=now,
        expires_at=now + timedelta(days=settings.INVITATION_DAYS),
    )

    audit_record(creator_id=creator.pk, action=AuditAction.MEMBER_INVITED, obj=invitation, role=role)
    transaction.on_commit(lambda: _send(invitation, raw))
    return invitation, raw


def _send(invitation: Invitation, raw: str) -> None:
    context = {
        "invitation": invitation,
        "creator": invitation.creator,
        "url": invitation_url(raw),
        "days": settings.INVITATION_DAYS,
        "inviter": invitation.invited_by,
    }
    send_mail(
        f"You are invited to work for {invitation.creator} on Creator CRM",
        render_to_string("crm/team/invitation_email.txt", context),
        None,
        [invitation.email],
    )


@transaction.atomic
def invitation_revoke(*, invitation: Invitation) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_record(creator_id=invitation.creator_id, action=AuditAction.INVITATION_REVOKED, obj=invitation)
    return invitation


def invitation_from_link(signed_token: str) -> Invitation:
    """The pending invitation a link names; forged, altered, used, revoked and expired links
    are one refusal (InvalidInput, the page's 400)."""
    try:
        raw = signing.Signer(salt=SALT).unsign(signed_token)
    except signing.BadSignature:
        raise InvalidInput(LINK_DOES_NOT_WORK) from None
    invitation = Invitation.objects.select_related("creator").filter(token_hash=token_hash(raw)).first()
    if invitation is None or not invitation.is_pending:
        raise InvalidInput(LINK_DOES_NOT_WORK)
    return invitation


def existing_login(invitation: Invitation):
    """The login the invited address already has, if any."""
    return get_user_model().objects.annotate(email_ci=Lower("email")).filter(email_ci=invitation.email.lower()).first()


def _unique_username(email: str) -> str:
    User = get_user_model()
    base = slugify(email.split("@")[0])[:100] or "member"
    name, n = base, 1
    while User.objects.filter(username=name).exists():
        n += 1
        name = f"{base}-{n}"
    return name


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user=None, password: str = "") -> Membership:
    """Accept once: `user` (the invited address's existing login, signed in) gains the
    membership, or a new login is made with `password`. A deactivated member invited again is
    active again, in the invited role."""
    invitation = Invitation.objects.select_for_update().select_related("creator").get(pk=invitation.pk)
    if not invitation.is_pending:
        raise InvalidInput(LINK_DOES_NOT_WORK)
    if user is None:
        if existing_login(invitation) is not None:
            raise InvalidInput("This address already has a login: sign in to accept.", field="password")
        User = get_user_model()
        user = User(username=_unique_username(invitation.email), email=invitation.email)
        try:
            password_validation.validate_password(password, user)
        except ValidationError as exc:
            raise InvalidInput(" ".join(exc.messages), field="password") from None
        user.set_password(password)
        user.save()
    elif (user.email or "").lower() != invitation.email.lower():
        raise InvalidInput("This invitation is for another address.", field="email")
    membership, created = Membership.objects.select_for_update().get_or_create(
        user=user, creator=invitation.creator, defaults={"role": invitation.role}
    )
    if not created and membership.user_id != invitation.creator.user_id:
        membership.role, membership.is_active = invitation.role, True
        membership.save(update_fields=["role", "is_active", "updated_at"])
    invitation.accepted_at, invitation.accepted_by = timezone.now(), user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit_record(
        creator_id=invitation.creator_id, action=AuditAction.INVITATION_ACCEPTED, obj=invitation,
        actor=Actor(user=user), user_id=user.pk, role=invitation.role,
    )
    return membership
