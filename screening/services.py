"""Screening writes: methods, ID files on private storage, retention.

Views of every surface, the admin, commands and tasks call these; nothing else writes the
screening models. The decision itself (status, decider, time, category) is a write of the fan:
crm.services.fan_screening_decide, the rule every entry point shares.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.exceptions import InvalidInput
from core.storage import private_storage, store_upload
from core.uploads import SCREENING_KINDS, check_upload
from crm.models import Fan

from .choices import MethodStatus, MethodType
from .models import ScreeningFile, ScreeningMethod
from .selectors import screening_files_expired

# Details are free text about a check ("called reference at agency X"); a cap keeps a single
# row from holding megabytes of encrypted text.
MAX_DETAILS_LENGTH = 10_000
METHOD_UPDATABLE_FIELDS = frozenset({"method_type", "details", "status"})
PURGE_BATCH_SIZE = 500
# Where screening_file_path puts every object (core.storage.generated_name("screening", ...)).
STORAGE_PREFIX = "screening/"
# An object younger than this may belong to an upload whose transaction has not committed yet.
ORPHAN_GRACE = timedelta(hours=1)


# --- Methods -------------------------------------------------------------------------------


def _clean_method_fields(fields: dict) -> dict:
    if "method_type" in fields and fields["method_type"] not in MethodType.values:
        raise InvalidInput("Invalid method_type", field="method_type")
    if "status" in fields and fields["status"] not in MethodStatus.values:
        raise InvalidInput("Invalid status", field="status")
    if "details" in fields:
        details = fields["details"]
        if details is None:
            details = ""
        if not isinstance(details, str) or len(details) > MAX_DETAILS_LENGTH:
            raise InvalidInput("Invalid details", field="details")
        fields["details"] = details
    return fields


@transaction.atomic
def screening_method_add(
    *, fan: Fan, method_type: str, details: str = "", status: str = MethodStatus.PENDING
) -> ScreeningMethod:
    fields = _clean_method_fields({"method_type": method_type, "details": details, "status": status})
    method = ScreeningMethod(fan=fan, **fields)
    method.full_clean()
    method.save()
    return method


@transaction.atomic
def screening_method_update(*, method: ScreeningMethod, **fields) -> ScreeningMethod:
    """A partial update of the listed fields; owner and timestamps never come from input."""
    unknown = set(fields) - METHOD_UPDATABLE_FIELDS
    if unknown:
        raise TypeError(f"screening_method_update got unknown fields: {sorted(unknown)}")
    for name, value in _clean_method_fields(dict(fields)).items():
        setattr(method, name, value)
    method.full_clean()
    method.save()
    return method


@transaction.atomic
def screening_method_delete(*, method: ScreeningMethod) -> None:
    method.delete()


# --- Files ---------------------------------------------------------------------------------


@transaction.atomic
def screening_file_upload(*, fan: Fan, upload, uploaded_by=None) -> ScreeningFile:
    """Validate an uploaded file by its content, store it under a generated name, record it.

    Nothing is stored when validation fails. If the row cannot be written after the object
    was stored, the object is deleted again before the error propagates.
    """
    checked = check_upload(upload, kinds=SCREENING_KINDS)
    row = ScreeningFile(
        fan=fan,
        original_name=checked.original_name,
        size=checked.size,
        content_type=checked.content_type,
        sha256=checked.sha256,
        uploaded_by=uploaded_by,
    )
    row.full_clean(exclude=["file"])
    store_upload(row.file, checked, what="Screening file")
    try:
        # Already validated; the generated key's uniqueness is the database constraint's to enforce.
        row.save()
    except BaseException:
        private_storage.delete(row.file.name)
        raise
    return row


@transaction.atomic
def screening_file_delete(*, screening_file: ScreeningFile) -> None:
    """Delete the row; its stored object goes once the transaction commits (screening.signals)."""
    screening_file.delete()


# --- Retention -----------------------------------------------------------------------------


def screening_retention_cutoff(*, now: datetime | None = None, retention_days: int | None = None):
    """Files uploaded before this moment are expired; None when retention is not configured."""
    days = settings.SCREENING_FILE_RETENTION_DAYS if retention_days is None else retention_days
    if days is None:
        return None
    if days < 0:
        raise InvalidInput("Invalid retention days")
    return (now or timezone.now()) - timedelta(days=days)


def screening_files_purge_expired(*, now: datetime | None = None, retention_days: int | None = None) -> int:
    """Delete screening files older than the retention period; returns how many were removed.

    Each batch commits on its own, so its stored objects are deleted as soon as its rows are
    gone and a failure part-way keeps what was already purged.
    """
    cutoff = screening_retention_cutoff(now=now, retention_days=retention_days)
    if cutoff is None:
        return 0
    removed = 0
    while True:
        with transaction.atomic():
            ids = list(
                screening_files_expired(cutoff=cutoff)
                .order_by("id")
                .values_list("id", flat=True)[:PURGE_BATCH_SIZE]
            )
            if not ids:
                return removed
            # Queryset deletion sends post_delete per row, which deletes the objects on commit.
            deleted, _per_model = ScreeningFile.objects.filter(id__in=ids).delete()
            removed += deleted


def _stored_names(directory: str):
    try:
        folders, files = private_storage.listdir(directory)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{directory}{name}"
    for folder in folders:
        yield from _stored_names(f"{directory}{folder}/")


def screening_orphans_purge(*, now: datetime | None = None, dry_run: bool = False) -> int:
    """Delete stored screening objects that no row references (older than ORPHAN_GRACE).

    Orphans arise when a transaction that stored an upload is rolled back by its caller, or
    when the store was unreachable as a committed delete tried to remove an object.
    """
    cutoff = (now or timezone.now()) - ORPHAN_GRACE
    names = list(_stored_names(STORAGE_PREFIX))
    referenced: set[str] = set()
    for start in range(0, len(names), PURGE_BATCH_SIZE):
        chunk = names[start : start + PURGE_BATCH_SIZE]
        referenced.update(ScreeningFile.objects.filter(file__in=chunk).values_list("file", flat=True))
    removed = 0
    for name in names:
        if name in referenced or private_storage.get_modified_time(name) >= cutoff:
            continue
        if not dry_run:
            private_storage.delete(name)
        removed += 1
    return removed
