"""prometheus_client's multiprocess directory: one per host, shared by every process that counts
(gunicorn workers, the live process, db_worker, the sweeper), so /metrics of any web worker adds
them all up.

Nothing here imports Django: gunicorn's master calls it from deploy/gunicorn.conf.py before any
app is loaded, and scripts/run-local before `make run` starts its processes.
"""

import os
import re
from pathlib import Path

ENV = "PROMETHEUS_MULTIPROC_DIR"
# prometheus_client names its files <type>[_<mode>]_<pid>.db.
_FILE = re.compile(r"^[a-z]+(?:_[a-z]+)?_(\d+)\.db$")


def directory() -> Path | None:
    value = os.environ.get(ENV, "")
    return Path(value) if value else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def prune(path: Path | None = None) -> int:
    """Wipe the directory at start: remove the files of every process that no longer runs.

    Files of running processes stay: a web restart must not unlink the file a running worker is
    still writing to (its counts would vanish until it restarted too). Counters of the removed
    processes start again from zero, which Prometheus reads as the reset it is.
    """
    path = path or directory()
    if path is None:
        return 0
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    removed = 0
    for entry in path.iterdir():
        match = _FILE.match(entry.name)
        if match and not _alive(int(match.group(1))):
            entry.unlink(missing_ok=True)
            removed += 1
    return removed
