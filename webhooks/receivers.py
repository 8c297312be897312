"""Replay events kept for an account as soon as that account is connected."""

import logging

from django.dispatch import receiver

from crm.signals import platform_account_connected

from . import services

logger = logging.getLogger("webhooks")


@receiver(platform_account_connected, dispatch_uid="webhooks_replay_on_connect")
def replay_on_connect(sender, account, **kwargs):
    # The account is committed already: a failure here must not fail the connection. The
    # sweeper replays ignored events of connected accounts on its next round anyway.
    try:
        services.events_replay_for_account(account=account)
    except Exception:
        logger.exception("Replaying webhook events of %s failed; the sweeper will retry", account)
