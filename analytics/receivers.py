"""Analytics keeps its summaries in step with crm's writes through crm's signals, inside the
writer's transaction: a rolled-back message or transaction leaves no trace here either."""

from django.dispatch import receiver

from crm import signals

from . import services


@receiver(signals.message_recorded, dispatch_uid="analytics_message_recorded")
def count_message(sender, message, **kwargs):
    services.message_recorded(message=message)


@receiver(signals.transaction_recorded, dispatch_uid="analytics_transaction_recorded")
def count_transaction(sender, txn, **kwargs):
    services.transaction_recorded(txn=txn)


@receiver(signals.fan_deleting, dispatch_uid="analytics_fan_deleting")
def forget_fan(sender, fan, **kwargs):
    services.fan_forget(fan=fan)
