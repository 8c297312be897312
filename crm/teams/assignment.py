"""Assignment: a conversation's assignee is one of its creator's active members (or nobody).
Chatters take unassigned conversations (and give their own back); managers and owners assign
anyone (crm.teams.policy.may_assign). Every door — the thread page, both APIs, the admin —
calls conversation_assign."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q

from core.exceptions import InvalidInput
from crm import signals
from crm.models import Conversation, Membership

from . import actor as actors
from . import policy
from .audit import AuditAction, audit_record


def assignable_user_ids(*, creator) -> set[int]:
    """The logins a conversation of `creator` can be assigned to: its active members."""
    ids = set(Membership.objects.filter(creator=creator, is_active=True).values_list("user_id", flat=True))
    ids.add(creator.user_id)
    return ids


def _assignee_id(value) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise InvalidInput("Invalid assignee_id", field="assignee_id")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidInput("Invalid assignee_id", field="assignee_id") from None
    if not 0 < number < 2**63:
        raise InvalidInput("Invalid assignee_id", field="assignee_id")
    return number


@transaction.atomic
def conversation_assign(*, conversation: Conversation, assignee_id, member=None) -> Conversation:
    """Set (or clear, with None) the assignee. `member`: who assigns, checked by the policy
    (None: staff in the admin, whose permissions are Django's). The assignee must be an active
    member of the conversation's creator (else `Invalid assignee_id`)."""
    assignee_id = _assignee_id(assignee_id)
    locked = Conversation.objects.select_for_update().select_related("creator").get(pk=conversation.pk)
    if assignee_id is not None and assignee_id not in assignable_user_ids(creator=locked.creator):
        raise InvalidInput("Invalid assignee_id", field="assignee_id")
    if member is not None and not policy.may_assign(
        member, assignee_id=assignee_id, current_assignee_id=locked.assignee_id
    ):
        raise PermissionDenied("Your role may not assign this conversation")
    previous = locked.assignee_id
    if previous != assignee_id:
        Conversation.objects.filter(pk=locked.pk).update(assignee_id=assignee_id)
        locked.assignee_id = assignee_id
        current = actors.current()
        signals.conversation_assigned.send(
            sender=Conversation,
            conversation=locked,
            previous_assignee_id=previous,
            assigned_by_id=current.user_id if current is not None and current.api_key is None else None,
        )
        audit_record(
            creator_id=locked.creator_id, action=AuditAction.CONVERSATION_ASSIGNED, obj=locked,
            assignee_id=assignee_id, previous_assignee_id=previous,
        )
    conversation.assignee_id = assignee_id
    return conversation


def assigned_filter(value: str, *, user_id) -> Q | None:
    """The inbox's `assigned` filter: `mine`, `unassigned`, `all` (or nothing: all)."""
    if value in ("", "all", None):
        return None
    if value == "mine":
        return Q(assignee_id=user_id)
    if value == "unassigned":
        return Q(assignee__isnull=True)
    raise InvalidInput("Invalid assigned", field="assigned")
