"""What webhooks adds to the creator pages: the Instagram account activity on the settings page."""

from .selectors import account_activity

ACTIVITY_SHOWN = 10


def account_activity_panel(request, creator) -> dict:
    """The latest mentions and new media of the creator's Instagram accounts (one query)."""
    return {"account_activity": account_activity(creator, limit=ACTIVITY_SHOWN)}
