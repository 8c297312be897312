"""The real web server of `make run` (Django's runserver with the local settings), on a free port.

`make run` starts `manage.py runserver` (scripts/run-local); the test client and pytest-django's
live server skip what that server does (wsgiref's header checks, its `CONTENT_TYPE` default of
`text/plain`), so behaviour that depends on the server is tested against this one. Its database
is fresh and migrated with a bare `manage.py migrate`, exactly as `make run` now does.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EMAIL, PASSWORD = "live@example.com", "live-password-4821"


@dataclass(frozen=True)
class RealServer:
    url: str
    host: str
    port: int
    env: dict
    email: str = EMAIL
    password: str = PASSWORD

    def manage(self, *args: str) -> subprocess.CompletedProcess:
        return manage(*args, env=self.env)


def manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def server_env(folder: Path) -> dict:
    """The environment of `make run` (local settings), with its own database and files."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_URL", "MEDIA_ROOT"))}
    return {
        **clean,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "MEDIA_ROOT": str(folder / "media"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"runserver exited: {process.stderr.read()}")
        try:
            urllib.request.urlopen(f"{url}/auth/login", timeout=2).close()  # noqa: S310 (loopback)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("runserver did not answer in time")


@pytest.fixture(scope="session")
def real_server(tmp_path_factory) -> RealServer:
    """A fresh database (bare `migrate`, no `createcachetable`), one creator, runserver on a free port."""
    folder = tmp_path_factory.mktemp("real-server")
    env = server_env(folder)
    for command in (
        ("migrate", "--noinput"),
        ("create_creator", "--slug", "live", "--email", EMAIL, "--password", PASSWORD),
    ):
        result = manage(*command, env=env)
        assert result.returncode == 0, result.stdout + result.stderr
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process)
        yield RealServer(url=url, host="127.0.0.1", port=port, env=env)
    finally:
        process.terminate()
        process.wait(timeout=20)
