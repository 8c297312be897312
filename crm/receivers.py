"""Stored attachments follow their messages, including when a fan or creator is deleted."""

from django.db.models.signals import post_delete
from django.dispatch import receiver

from core.storage import delete_stored_file_on_commit

from .models import MassMessage, Message


@receiver(post_delete, sender=Message, dispatch_uid="message_delete_attachment")
def delete_message_attachment(sender, instance: Message, **kwargs):
    delete_stored_file_on_commit(instance.attachment.name)


@receiver(post_delete, sender=MassMessage, dispatch_uid="mass_message_delete_attachment")
def delete_mass_message_attachment(sender, instance: MassMessage, **kwargs):
    delete_stored_file_on_commit(instance.attachment.name)
