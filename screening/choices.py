from django.db import models


class MethodType(models.TextChoices):
    REFERENCES = "references", "References"
    ID_VERIFICATION = "id_verification", "ID verification"
    SOCIAL_MEDIA = "social_media", "Social media"
    EMPLOYMENT = "employment", "Employment"
    DEPOSIT = "deposit", "Deposit"
    OTHER = "other", "Other"


class MethodStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
