"""What is running: the version (settings.APP_VERSION) and the commit (BUILD_COMMIT, set by the
deployment, or read from the checkout's git metadata when there is one)."""

import subprocess
from functools import cache

from django.conf import settings

UNKNOWN = "unknown"


def version() -> str:
    return settings.APP_VERSION


@cache
def commit() -> str:
    if settings.BUILD_COMMIT:
        return settings.BUILD_COMMIT
    try:
        result = subprocess.run(  # noqa: S603 - a fixed command, no input from outside
            ["git", "rev-parse", "--short=12", "HEAD"],  # noqa: S607
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=2,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return UNKNOWN
    value = result.stdout.strip()
    return value if result.returncode == 0 and value else UNKNOWN
