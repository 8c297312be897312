"""The audit log: one append-only entry per team change, invitation, role, API key, platform
connection, screening decision, export, deletion, member sign-in, assignment and private-field
viewing in the admin. Who comes from crm.teams.actor; `details` holds ids and flags only, never
a fan's personal data (so erasing a fan leaves the log intact)."""

from crm.models import AuditEntry

from . import actor as actors


class AuditAction:
    MEMBER_INVITED = "member.invited"
    INVITATION_REVOKED = "invitation.revoked"
    INVITATION_ACCEPTED = "invitation.accepted"
    MEMBER_ROLE_CHANGED = "member.role_changed"
    MEMBER_DEACTIVATED = "member.deactivated"
    MEMBER_REACTIVATED = "member.reactivated"
    MEMBER_REMOVED = "member.removed"
    MEMBER_SIGNED_IN = "member.signed_in"
    API_KEY_CREATED = "api_key.created"
    API_KEY_REVOKED = "api_key.revoked"
    PLATFORM_CONNECTED = "platform.connected"
    PLATFORM_DISCONNECTED = "platform.disconnected"
    SCREENING_DECIDED = "screening.decided"
    FAN_DELETED = "fan.deleted"
    FAN_NOTES_EDITED = "fan.notes_edited"
    FAN_TAGS_CHANGED = "fan.tags_changed"
    CONVERSATION_ARCHIVED = "conversation.archived"
    CONVERSATION_UNARCHIVED = "conversation.unarchived"
    CONVERSATION_TAGS_CHANGED = "conversation.tags_changed"
    CONVERSATION_ASSIGNED = "conversation.assigned"
    EXPORT = "export"
    PRIVATE_FIELDS_VIEWED = "private_fields.viewed"


ACTION_LABELS = {
    AuditAction.MEMBER_INVITED: "invited a member",
    AuditAction.INVITATION_REVOKED: "revoked an invitation",
    AuditAction.INVITATION_ACCEPTED: "accepted an invitation",
    AuditAction.MEMBER_ROLE_CHANGED: "changed a member's role",
    AuditAction.MEMBER_DEACTIVATED: "deactivated a member",
    AuditAction.MEMBER_REACTIVATED: "reactivated a member",
    AuditAction.MEMBER_REMOVED: "removed a member",
    AuditAction.MEMBER_SIGNED_IN: "signed in",
    AuditAction.API_KEY_CREATED: "created an API key",
    AuditAction.API_KEY_REVOKED: "revoked an API key",
    AuditAction.PLATFORM_CONNECTED: "connected a platform account",
    AuditAction.PLATFORM_DISCONNECTED: "disconnected a platform account",
    AuditAction.SCREENING_DECIDED: "decided a screening",
    AuditAction.FAN_DELETED: "deleted a fan",
    AuditAction.FAN_NOTES_EDITED: "edited a fan's notes",
    AuditAction.FAN_TAGS_CHANGED: "changed a fan's tags",
    AuditAction.CONVERSATION_ARCHIVED: "archived a conversation",
    AuditAction.CONVERSATION_UNARCHIVED: "unarchived a conversation",
    AuditAction.CONVERSATION_TAGS_CHANGED: "changed a conversation's tags",
    AuditAction.CONVERSATION_ASSIGNED: "assigned a conversation",
    AuditAction.EXPORT: "exported data",
    AuditAction.PRIVATE_FIELDS_VIEWED: "viewed private fields",
}


def audit_record(*, creator_id: int, action: str, obj=None, object_type: str = "", object_id=None, actor=None, **details):
    """Append one entry. `obj` names the object (its model name and id); `details` must be ids,
    roles, flags: nothing a fan's erasure would have to find."""
    who = actor if actor is not None else actors.current()
    if obj is not None:
        object_type, object_id = obj._meta.model_name, obj.pk
    return AuditEntry.objects.create(
        creator_id=creator_id,
        actor_id=who.user_id if who is not None and who.api_key is None else None,
        actor_api_key=who.api_key if who is not None else None,
        actor_name=(who.name if who is not None else "")[:254],
        action=action,
        object_type=object_type,
        object_id=object_id,
        details=details,
    )
