"""The one way a stored screening file leaves the system: an attachment, never rendered inline.

Used by the v1 download route and the admin download view (and the creator pages), each after
its own authorisation check.
"""

import unicodedata
from pathlib import PurePosixPath
from urllib.parse import quote

from django.http import FileResponse

from core.storage import private_download, private_open
from core.uploads import sanitise_filename

from .models import ScreeningFile
from .selectors import FILE_NOT_FOUND


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def ascii_fallback_name(name: str, extension: str) -> str:
    """An ASCII-only name for clients that ignore `filename*`: "身分証.jpg" becomes "file.jpg"."""
    path = PurePosixPath(name)
    stem = sanitise_filename(_ascii(path.stem), fallback="file")
    suffix = _ascii(path.suffix) if _ascii(path.suffix) == path.suffix else extension
    return sanitise_filename(f"{stem}{suffix}", fallback=f"file{extension}")


def content_disposition(name: str, extension: str) -> str:
    """`attachment` with a quoted ASCII `filename` and the RFC 5987/6266 UTF-8 `filename*`."""
    name = sanitise_filename(name, fallback=f"file{extension}")
    return (
        f'attachment; filename="{ascii_fallback_name(name, extension)}"; '
        f"filename*=UTF-8''{quote(name, safe='')}"
    )


def screening_file_response(screening_file: ScreeningFile) -> FileResponse:
    """Stream the stored object as a download; a missing object is "File not found"."""
    handle = private_open(screening_file.file.name, not_found=FILE_NOT_FOUND)
    extension = PurePosixPath(screening_file.file.name).suffix
    response = private_download(handle, filename=f"file{extension}", content_type=screening_file.content_type)
    # Always both names: the ASCII fallback and the exact UTF-8 one.
    response["Content-Disposition"] = content_disposition(screening_file.original_name, extension)
    return response
