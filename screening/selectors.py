"""Screening reads. Every read starts from the requesting creator: another creator's client,
method or file behaves exactly like one that does not exist (404)."""

from dataclasses import dataclass
from datetime import datetime

from core.lookups import owned_get
from crm.models import Creator, Fan
from crm.selectors import fan_get

from .models import ScreeningFile, ScreeningMethod

CLIENT_NOT_FOUND = "Client not found"
FILE_NOT_FOUND = "File not found"
METHOD_NOT_FOUND = "Not found"


@dataclass(frozen=True)
class ScreeningInfo:
    fan: Fan
    methods: list[ScreeningMethod]
    files: list[ScreeningFile]


def screening_client_get(*, creator: Creator, fan_id) -> Fan:
    return fan_get(creator=creator, fan_id=fan_id, message=CLIENT_NOT_FOUND)


def _files_of(fan: Fan) -> list[ScreeningFile]:
    return list(ScreeningFile.objects.filter(fan=fan).order_by("uploaded_at", "id"))


def screening_info_for_fan(*, creator: Creator, fan_id) -> ScreeningInfo:
    """The client's methods and files: three queries whatever their number."""
    return screening_info(fan=screening_client_get(creator=creator, fan_id=fan_id))


def screening_info(*, fan: Fan) -> ScreeningInfo:
    """The methods and files of a fan already read through the creator: two queries."""
    methods = list(ScreeningMethod.objects.filter(fan=fan).order_by("created_at", "id"))
    return ScreeningInfo(fan=fan, methods=methods, files=_files_of(fan))


def screening_files_for_fan(*, creator: Creator, fan_id) -> tuple[Fan, list[ScreeningFile]]:
    fan = screening_client_get(creator=creator, fan_id=fan_id)
    return fan, _files_of(fan)


def screening_file_get(*, creator: Creator, fan_id, file_id) -> ScreeningFile:
    """One file of one of the creator's clients ("Client not found" / "File not found")."""
    fan = screening_client_get(creator=creator, fan_id=fan_id)
    screening_file = owned_get(ScreeningFile.objects.filter(fan=fan), file_id, FILE_NOT_FOUND)
    screening_file.fan = fan
    return screening_file


def screening_method_get(*, creator: Creator, fan_id, method_id) -> ScreeningMethod:
    fan = screening_client_get(creator=creator, fan_id=fan_id)
    method = owned_get(ScreeningMethod.objects.filter(fan=fan), method_id, METHOD_NOT_FOUND)
    method.fan = fan
    return method


def screening_files_expired(*, cutoff: datetime):
    """Every creator's files uploaded before `cutoff` (the retention sweep is system-wide)."""
    return ScreeningFile.objects.filter(uploaded_at__lt=cutoff)
