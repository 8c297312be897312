"""Replay events kept for an account as soon as that account is connected."""

from django.dispatch import receiver

from crm.signals_public import platform_account_connected

from .services import events_replay_for_account


@receiver(platform_account_connected, dispatch_uid="webhooks_replay_on_connect")
def replay_on_connect(sender, account, **kwargs):
    events_replay_for_account(account=account)
