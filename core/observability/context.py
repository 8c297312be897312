"""What every log line carries: the request id of the request (or task) being served, and the
creator once the request has resolved one.

A request gets its id from `RequestIdMiddleware`; background work gets it with the task
(`request_id=` keyword) and binds it with `bound()`, so one delivery can be followed from the
intake to the worker's lines about the message it created.
"""

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_ID_META = "HTTP_X_REQUEST_ID"
# 1–128 visible ASCII characters (no space, no control characters): anything else is replaced.
_VALID_REQUEST_ID = re.compile(r"[\x21-\x7e]{1,128}")

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
_creator_id: ContextVar[int | None] = ContextVar("creator_id", default=None)


def new_request_id() -> str:
    return str(uuid.uuid4())


def valid_request_id(value) -> bool:
    return isinstance(value, str) and _VALID_REQUEST_ID.fullmatch(value) is not None


def accept_request_id(value) -> str:
    """The caller's id when it is well formed, a new UUID otherwise (never the raw value)."""
    return value if valid_request_id(value) else new_request_id()


def current_request_id() -> str | None:
    return _request_id.get()


def current_creator_id() -> int | None:
    return _creator_id.get()


def bind_creator(creator_id: int | None) -> None:
    """Called where a request resolves its creator; `bound()` forgets it when the request ends."""
    _creator_id.set(creator_id)


@contextmanager
def bound(*, request_id: str | None, creator_id: int | None = None) -> Iterator[str | None]:
    """Log context for the duration of a request or a task; the previous one is restored after."""
    request_token = _request_id.set(request_id)
    creator_token = _creator_id.set(creator_id)
    try:
        yield request_id
    finally:
        _creator_id.reset(creator_token)
        _request_id.reset(request_token)


def task_request_id() -> dict:
    """The keyword argument that hands the current request id to a task being enqueued."""
    return {"request_id": _request_id.get()}
