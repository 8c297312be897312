"""scripts/dev_proxy.py: make run's one-origin proxy. It routes each connection's one request, so
its answers must tell clients to close: a keep-alive client (httpx, curl) that sent its next
request down the closing connection got "Server disconnected" (a fresh make run's first login)."""

import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from tests.real_server import free_port

ROOT = Path(__file__).resolve().parents[2]


class KeepAliveHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keeps connections open unless told otherwise

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = f"{self.command} {self.path} {len(self.rfile.read(length))}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def proxy():
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), KeepAliveHandler)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    port = free_port()
    target = f"127.0.0.1:{upstream.server_address[1]}"
    process = subprocess.Popen(
        [sys.executable, "scripts/dev_proxy.py", "--listen", f"127.0.0.1:{port}", "--web", target, "--live", target],
        cwd=ROOT,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)
    upstream.shutdown()


def test_answers_say_close_so_a_keep_alive_client_sends_each_request_on_a_new_connection(proxy):
    with httpx.Client(base_url=proxy, timeout=5) as client:
        first = client.get("/auth/login")
        assert first.headers["connection"] == "close"
        # The next request right away, as a client does after a page: a POST, which no client
        # retries on a connection that closed under it.
        for n in range(20):
            response = client.post("/auth/login", content=b"x" * n)
            assert response.text == f"POST /auth/login {n}"
