"""Signals other apps may listen to (so crm does not import them)."""

from django.dispatch import Signal

# Sent after commit with `account`: a PlatformAccount was connected.
platform_account_connected = Signal()
