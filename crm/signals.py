"""The signals crm sends so that apps above it can act without crm importing them.

Sent inside the transaction of the change (so a receiver's writes commit or roll back with it),
unless noted; receivers connect in their AppConfig.ready (see docs/architecture.md).
"""

from django.dispatch import Signal

# `message`: a Message was just stored (inside message_add's transaction).
message_recorded = Signal()

# `txn`: a Transaction was just recorded (inside transaction_record's transaction).
transaction_recorded = Signal()

# `fan`: a Fan is about to be deleted, with everything under it (inside fan_delete's
# transaction, before the rows go): receivers remove what they derived from them.
fan_deleting = Signal()

# `account`: a PlatformAccount was connected. Sent after commit: the account exists for any
# process a receiver hands work to.
platform_account_connected = Signal()

# `conversation`: a Conversation was just created (inside conversation_open's transaction).
conversation_opened = Signal()

# `conversation`: its incoming messages were marked read (inside conversation_mark_read's
# transaction).
conversation_read = Signal()

# `conversation`: archived or unarchived, retagged or renamed (inside conversation_update's
# transaction).
conversation_changed = Signal()

# `conversation` (its new `assignee_id`), `previous_assignee_id`, `assigned_by_id` (the login
# that assigned it, or None for an API key or the system): a conversation's assignee changed
# (inside conversation_assign's transaction). crm.live puts it on the creator's feed.
conversation_assigned = Signal()

# `membership`: a member's role changed, or they were deactivated, reactivated or removed (inside
# the transaction of the change, crm.teams.services). crm.live re-checks that member's streams.
membership_changed = Signal()

# `message`: an outgoing message's delivery status changed (queued, sending, sent, failed...).
# Sent inside the transaction of each change (crm.delivery), with `creator` and `conversation`
# ids for receivers that route by them (the live feed).
message_delivery_changed = Signal()
