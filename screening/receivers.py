"""Stored objects follow their rows: a deleted file row (directly or by cascade) deletes its object."""

from django.db.models.signals import post_delete
from django.dispatch import receiver

from core.storage import delete_stored_file_on_commit

from .models import ScreeningFile


@receiver(post_delete, sender=ScreeningFile, dispatch_uid="screening_file_delete_object")
def delete_screening_object(sender, instance: ScreeningFile, **kwargs):
    delete_stored_file_on_commit(instance.file.name)
