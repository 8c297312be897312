"""Golden responses: every request of a scenario written down as status, the headers that matter
and the body, normalised where a value is random by design (tokens, keys, CSRF tokens, generated
storage names, signed cursors, rate-limit reset times).

    GOLDEN_RECORD=1 pytest tests/golden   # write tests/golden/responses/*.txt
    pytest tests/golden                   # compare; a difference fails with a unified diff

A refactoring must leave every file unchanged; a behaviour change shows up as a reviewable diff
of these files, recorded in the same commit.
"""

import difflib
import hashlib
import json
import os
import re
from http.cookies import SimpleCookie
from pathlib import Path

RESPONSES = Path(__file__).parent / "responses"
RECORD = os.environ.get("GOLDEN_RECORD") == "1"

HEADERS = (
    "Content-Type",
    "Location",
    "Content-Disposition",
    "Cache-Control",
    "Allow",
    "WWW-Authenticate",
    "Retry-After",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
    "Content-Security-Policy",
    "Cross-Origin-Opener-Policy",
    "Vary",
    "Connection",
    "X-Request-ID",
)
# Values that differ on every run by design, whatever the code does.
RANDOM_HEADER_VALUES = {"X-RateLimit-Reset": "<epoch>", "Retry-After": "<seconds>", "X-Request-ID": "<request-id>"}

_TEXT_PATTERNS = (
    (re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"), "<jwt>"),
    (re.compile(r"pk_[A-Za-z0-9_-]{4,}"), "pk_<key>"),
    (re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+'), r"\1<csrf>"),
    (re.compile(r'(\["X-CSRFTOKEN"\] = ")[^"]+'), r"\1<csrf>"),
    (re.compile(r"(cursor=)[A-Za-z0-9_:-]{20,}"), r"\1<cursor>"),
    (re.compile(r"\b[0-9a-f]{32}\b"), "<hex32>"),
    # Request ids made for requests that sent none (stored on webhook events, shown in the admin).
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"), "<uuid>"),
    # The Content-Security-Policy nonce, fresh for every response (header and attributes).
    (re.compile(r"'nonce-[A-Za-z0-9_-]+'"), "'nonce-<nonce>'"),
    (re.compile(r'nonce="[A-Za-z0-9_-]+"'), 'nonce="<nonce>"'),
)
# JSON keys whose (non-null) values are random by design.
_RANDOM_JSON_KEYS = {"next_cursor": "<cursor>", "access": "<jwt>", "refresh": "<jwt>"}


def normalise_text(text: str) -> str:
    for pattern, replacement in _TEXT_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _normalise_json(value):
    if isinstance(value, dict):
        return {
            key: _RANDOM_JSON_KEYS[key] if key in _RANDOM_JSON_KEYS and item is not None else _normalise_json(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_normalise_json(item) for item in value]
    return value


def _cookies(response) -> list[str]:
    lines = []
    for name, morsel in sorted(response.cookies.items()):
        if isinstance(morsel, str):
            morsel = SimpleCookie(morsel)[name]
        attributes = [
            f"{key}={morsel[key]}" if morsel[key] is not True else key
            for key in ("max-age", "path", "samesite", "httponly", "secure", "expires")
            if morsel[key] and key != "expires"
        ]
        state = "cleared" if morsel.value == "" else "set"
        lines.append(f"set-cookie: {name} {state} ({'; '.join(attributes)})")
    return lines


def describe(label: str, method: str, path: str, response) -> str:
    """The normalised text of one exchange."""
    lines = [f"### {label}", f"{method} {normalise_text(path)}", f"status: {response.status_code}"]
    for header in HEADERS:
        if response.has_header(header):
            value = RANDOM_HEADER_VALUES.get(header, response[header])
            lines.append(f"{header.lower()}: {normalise_text(value)}")
    lines.extend(_cookies(response))
    content_type = response.get("Content-Type", "")
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content)
        lines.append(f"body: {len(body)} bytes, sha256 {hashlib.sha256(body).hexdigest()}")
    elif content_type.startswith("application/json") and response.content:
        data = _normalise_json(json.loads(response.content))
        lines.append("body:")
        lines.append(normalise_text(json.dumps(data, indent=1, ensure_ascii=False)))
    elif content_type.startswith(("text/", "application/xhtml")) or not response.content:
        lines.append("body:")
        lines.append(normalise_text(response.content.decode()).rstrip())
    else:
        lines.append(f"body: {len(response.content)} bytes, sha256 {hashlib.sha256(response.content).hexdigest()}")
    return "\n".join(lines) + "\n"


class Golden:
    """Collects the exchanges of one scenario, then writes or compares its file."""

    def __init__(self, name: str):
        self.path = RESPONSES / f"{name}.txt"
        self.parts: list[str] = []
        self.labels: set[str] = set()

    def add(self, label: str, method: str, path: str, response) -> None:
        assert label not in self.labels, f"duplicate golden label {label}"
        self.labels.add(label)
        self.parts.append(describe(label, method, path, response))

    def check(self) -> None:
        text = "\n".join(self.parts)
        if RECORD:
            RESPONSES.mkdir(exist_ok=True)
            self.path.write_text(text)
            return
        assert self.path.exists(), f"{self.path} missing: record it with GOLDEN_RECORD=1"
        expected = self.path.read_text()
        if text != expected:
            diff = difflib.unified_diff(
                expected.splitlines(), text.splitlines(), "recorded", "now", lineterm="", n=2
            )
            shown = "\n".join(list(diff)[:400])
            raise AssertionError(f"{self.path.name} differs from the recorded responses:\n{shown}")
