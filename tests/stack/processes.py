"""The processes of the production-stack test: started with the production environment, their
output kept in files, stopped together."""

import http.client
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

PYTHON = sys.executable
MANAGE = [PYTHON, "manage.py"]


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@dataclass
class Stack:
    env: dict
    folder: Path
    processes: list[Process] = field(default_factory=list)

    def run(self, *argv: str, timeout: float = 120) -> str:
        """A one-off command (migrate, create_creator); its output, or a failure showing it."""
        result = subprocess.run(
            [*MANAGE, *argv], cwd=settings.BASE_DIR, env=self.env, capture_output=True, text=True, timeout=timeout
        )
        assert result.returncode == 0, f"{argv} failed:\n{result.stdout}\n{result.stderr}"
        return result.stdout + result.stderr

    def start(self, name: str, argv: list[str]) -> Process:
        log = self.folder / f"{name}.log"
        popen = subprocess.Popen(
            argv,
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: stopping it stops its children too
        )
        process = Process(name, popen, log)
        self.processes.append(process)
        return process

    def stop(self) -> None:
        for process in self.processes:
            if process.popen.poll() is None:
                os.killpg(process.popen.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in self.processes:
            try:
                process.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.popen.pid, signal.SIGKILL)
                process.popen.wait(timeout=5)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name} (exit {p.popen.poll()})\n{p.output()[-4000:]}" for p in self.processes)


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes
    seconds: float

    def json(self):
        return json.loads(self.body)


def call(port: int, method: str, path: str, *, body: bytes | None = None, headers: dict | None = None,
         proxied: bool = True, timeout: float = 10) -> Answer:
    """One request, on a new connection. `proxied`: as the reverse proxy forwards it (TLS ended
    there, the client's address appended to X-Forwarded-For: TRUSTED_PROXY_COUNT=1)."""
    sent = {"Host": "127.0.0.1"}
    if proxied:
        sent |= {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.23"}
    sent |= headers or {}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    started = time.monotonic()
    try:
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        data = response.read()
    finally:
        connection.close()
    return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, data, time.monotonic() - started)


def wait_until(predicate, *, timeout: float, what: str, stack: Stack | None = None, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = predicate()
        except OSError:
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}\n{stack.logs() if stack else ''}")
        time.sleep(interval)


def multipart(field_name: str, filename: str, content: bytes, content_type: str) -> tuple[bytes, str]:
    boundary = "stack-test-boundary-7f3a"
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field_name}\"; filename=\"{filename}\"\r\n"
        f"Content-Type: {content_type}\r\n\r\n"
    ).encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def children_of(pid: int) -> list[int]:
    """The pids whose parent is `pid` (gunicorn's workers), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def page_session(port: int, email: str, password: str) -> str:
    """Sign in through the login page (CSRF cookie and token, as a browser) behind the pretend
    proxy; the session cookie's value."""
    import re
    from http.cookies import SimpleCookie
    from urllib.parse import urlencode

    def cookies(answer) -> dict:
        jar = SimpleCookie()
        for name, value in answer.headers.items():
            if name == "set-cookie":
                jar.load(value)
        return {k: m.value for k, m in jar.items()}

    form = call(port, "GET", "/auth/login")
    csrf = cookies(form)["csrftoken"]
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', form.body).group(1).decode()
    sent = call(port, "POST", "/auth/login", body=urlencode({"csrfmiddlewaretoken": token, "username": email, "password": password}).encode(),
                headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf}",
                         "Origin": "https://127.0.0.1", "Referer": "https://127.0.0.1/auth/login"})
    assert sent.status == 302, sent.body[:500]
    return cookies(sent)["sessionid"]


class EventStream:
    """A held-open GET of /live/events on a raw socket, as the proxy forwards a browser's."""

    def __init__(self, port: int, session: str):
        import socket

        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock.sendall(
            (f"GET /live/events HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-Proto: https\r\nX-Forwarded-For: 198.51.100.23\r\n"
             f"Origin: https://127.0.0.1\r\nCookie: sessionid={session}\r\nAccept: text/event-stream\r\n\r\n").encode()
        )
        self.received = b""

    def read_until(self, marker: bytes, timeout: float = 10) -> bytes:
        deadline = time.monotonic() + timeout
        while marker not in self.received:
            if time.monotonic() > deadline:
                raise AssertionError(f"{marker!r} not received: {self.received[-1500:]!r}")
            self.sock.settimeout(max(0.1, deadline - time.monotonic()))
            chunk = self.sock.recv(65536)
            if not chunk:
                raise AssertionError(f"stream closed: {self.received[-1500:]!r}")
            self.received += chunk
        return self.received

    def close(self):
        self.sock.close()
