"""Replay events kept for an account as soon as that account is connected; erase a deleted
fan's events with the fan."""

import logging

from django.dispatch import receiver

from crm.signals import fan_deleting, platform_account_connected

from . import erasure, services

logger = logging.getLogger("webhooks")


@receiver(platform_account_connected, dispatch_uid="webhooks_replay_on_connect")
def replay_on_connect(sender, account, **kwargs):
    # The account is committed already: a failure here must not fail the connection. The
    # sweeper replays ignored events of connected accounts on its next round anyway.
    try:
        services.events_replay_for_account(account=account)
    except Exception:
        logger.exception("Replaying webhook events of %s failed; the sweeper will retry", account)


@receiver(fan_deleting, dispatch_uid="webhooks_erase_fan_events")
def erase_fan_events(sender, fan, **kwargs):
    # Inside fan_delete's transaction: the tombstones commit or roll back with the deletion.
    erasure.events_erase_for_fan(fan=fan)
