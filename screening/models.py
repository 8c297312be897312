"""Client screening: how a creator verifies a fan, and the ID files kept for it."""

from django.conf import settings
from django.db import models

from core.crypto import EncryptedTextField
from core.storage import generated_name
from crm.models import Fan

from .choices import MethodStatus, MethodType


def screening_file_path(instance, filename: str) -> str:
    # `filename` is the extension chosen from the sniffed type, never the user's name.
    extension = filename if filename.startswith(".") else ""
    return generated_name("screening", extension)


class ScreeningMethod(models.Model):
    """One way of verifying a fan (references, ID check, ...); details are encrypted."""

    fan = models.ForeignKey(Fan, on_delete=models.CASCADE, related_name="screening_methods")
    method_type = models.CharField(max_length=32, choices=MethodType.choices)
    details = EncryptedTextField()
    status = models.CharField(max_length=32, choices=MethodStatus.choices, default=MethodStatus.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["fan", "created_at"], name="screening_method_fan")]

    def __str__(self):
        return f"{self.get_method_type_display()} ({self.get_status_display()})"


class ScreeningFile(models.Model):
    """An uploaded ID document on private storage, under a generated name."""

    fan = models.ForeignKey(Fan, on_delete=models.CASCADE, related_name="screening_files")
    file = models.FileField(upload_to=screening_file_path, max_length=255)
    original_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        constraints = [
            # One row per stored object: deleting a row deletes its object, so two rows must
            # never share one. Also the index the orphan sweep looks keys up by.
            models.UniqueConstraint(fields=["file"], name="screening_file_unique_key"),
        ]
        indexes = [models.Index(fields=["fan", "uploaded_at"], name="screening_file_fan")]

    def __str__(self):
        return self.original_name
