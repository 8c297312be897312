"""What both surfaces' "record a transaction" share once the fan is known (docs/campaigns.md)."""

from crm import campaigns, services
from crm.models import Fan, Transaction


def transaction_record_from(fan: Fan, data: dict) -> tuple[Transaction, bool]:
    """A validated create body (either surface's) recorded for `fan`; `message_id` names the PPV
    message it unlocks. Returns the transaction and whether it is new (a known external id: no)."""
    message_id = data.get("message_id")
    return services.transaction_record(
        fan=fan,
        kind=data["kind"],
        amount_cents=data["amount_cents"],
        platform=data.get("platform"),
        external_id=data.get("external_id") or None,
        occurred_at=data.get("occurred_at"),
        message=campaigns.ppv_message_for(fan=fan, message_id=message_id) if message_id else None,
    )
