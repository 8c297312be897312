"""A local fake of Instagram's Graph API for the delivery tests: loopback only, never the internet.

It records every request (method, path, headers, JSON body) and answers the two endpoints the CRM
calls with Meta's success shapes, or with what a test scripted: Meta's error envelope
(`{"error": {"message", "type", "code", "error_subcode", "is_transient", "fbtrace_id"}}`), any
status, a held answer (the caller's read timeout, or a worker killed mid-call).

    POST /<version>/<account id>/messages  → {"recipient_id": ..., "message_id": "mid.<n>"}
    POST /<version>/<comment id>/replies   → {"id": "<n>"}
"""

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VERSION = "v23.0"


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict
    body: object


@dataclass
class Scripted:
    status: int
    body: object = None
    hold_seconds: float = 0  # answer only after this long (or never, when the caller gives up)


def meta_error(code: int, message: str, *, subcode: int | None = None, kind: str = "OAuthException", transient: bool = False) -> dict:
    """Meta's error envelope, as the Graph API sends it."""
    error = {"message": message, "type": kind, "code": code, "fbtrace_id": "AbCdEfGhIjK"}
    if subcode is not None:
        error["error_subcode"] = subcode
    if transient:
        error["is_transient"] = True
    return {"error": error}


@dataclass
class FakeGraph:
    server: ThreadingHTTPServer
    requests: list[Recorded] = field(default_factory=list)
    script: list[Scripted] = field(default_factory=list)
    counter: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    release: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/{VERSION}"

    def respond(self, status: int, body=None, *, hold_seconds: float = 0) -> None:
        """The answer to the next request (in order); unscripted requests succeed."""
        self.script.append(Scripted(status, body, hold_seconds))

    def fail(self, code: int, message: str, *, status: int = 400, **kwargs) -> None:
        self.respond(status, meta_error(code, message, **kwargs))

    def posts_to(self, suffix: str) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith(suffix)]

    def _answer(self, recorded: Recorded) -> Scripted:
        with self.lock:
            self.requests.append(recorded)
            self.counter += 1
            if self.script:
                return self.script.pop(0)
            n = self.counter
        if recorded.path.endswith("/replies"):
            return Scripted(200, {"id": f"1789{n:011d}"})
        recipient = recorded.body.get("recipient", {}).get("id") if isinstance(recorded.body, dict) else None
        return Scripted(200, {"recipient_id": recipient, "message_id": f"mid.fake-{n}"})

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def start() -> FakeGraph:
    fake: FakeGraph | None = None

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode(errors="replace")
            answer = fake._answer(Recorded("POST", self.path, dict(self.headers), body))
            if answer.hold_seconds:
                fake.release.wait(answer.hold_seconds)
            payload = b"" if answer.body is None else json.dumps(answer.body).encode()
            try:
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the caller gave up (timeout) or was killed

        def log_message(self, format, *args):
            pass

    Handler.protocol_version = "HTTP/1.1"  # keep-alive, as Meta's servers
    Handler.disable_nagle_algorithm = True
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    fake = FakeGraph(server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return fake
