"""Log formats: `json` (production: one object per line) and `plain` (local: readable).

Both take the request id and the creator id from `context` through `ContextFilter`, so every line
written while serving a request or a task carries them, whichever library wrote it. Only the
fields listed in `EXTRA_FIELDS` ever leave a record besides its message: a library's `extra`
(Django passes the request object) is never dumped into a line.

No private data in a log line is a rule of the code that writes messages (ids, counts and
statuses only); `logging_config` adds the settings that keep libraries to it: SQL and its
parameters stay below WARNING, and no request line with its query string is written.
"""

import json
import logging
from datetime import UTC, datetime

from .context import current_creator_id, current_request_id

# Structured fields a line may carry besides the message, in the order they are written.
EXTRA_FIELDS = (
    "method",
    "route",
    "path",
    "status",
    "duration_ms",
    "db_queries",
    "event_id",
    "event_type",
    "attempt",
    "outcome",
    "message_id",
    "conversation_id",
    "task",
    "counts",
)


class ContextFilter(logging.Filter):
    """Stamp the request id and the creator id of the current context on every record.

    Django writes its django.request line ("Not Found: /x") after the middleware has returned,
    outside the request's context, but passes the request along: its ids come from there.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id() or getattr(request, "request_id", None)
        if getattr(record, "creator_id", None) is None:
            record.creator_id = current_creator_id() or getattr(request, "log_creator_id", None)
        return True


def _time(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, creator_id, and the
    structured fields the record carries (see EXTRA_FIELDS); `exception` holds a traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": _time(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "creator_id": getattr(record, "creator_id", None),
        }
        for name in EXTRA_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str, separators=(",", ":"))


class PlainFormatter(logging.Formatter):
    """`<time> <LEVEL> <logger> [<request id>] <message>`: for a terminal."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if getattr(record, "request_id", None) is None:
            record.request_id = "-"
        return super().format(record)


FORMATS = ("json", "plain")


def logging_config(*, log_format: str, level: str) -> dict:
    """The LOGGING setting (and gunicorn's `logconfig_dict`): one handler, on the root logger.

    Every library logger propagates to it and none keeps a handler of its own, so no line is
    written twice: Django's defaults give `django` its own console handler under DEBUG (hence
    each django.request and django.tasks line twice before), uvicorn and gunicorn theirs.
    """
    if log_format not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {log_format!r}")
    level = level.upper()
    propagate = {"handlers": [], "propagate": True}
    silent = {"handlers": [], "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": ContextFilter}},
        "formatters": {
            "json": {"()": JsonFormatter},
            "plain": {"()": PlainFormatter},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["context"],
                "level": level,
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django": propagate,
            # SQL and its parameters (search terms, hashes) never reach a line, whatever LOG_LEVEL says.
            "django.db.backends": {**propagate, "level": "WARNING"},
            # The request lines of runserver, gunicorn and uvicorn carry query strings: the app's own
            # access line (core.observability.middleware) replaces them.
            "django.server": silent,
            "gunicorn.access": silent,
            "uvicorn.access": silent,
            # Python warnings (logging.captureWarnings, turned on by CoreConfig.ready) are log lines
            # too, so a production stream stays one JSON object per line.
            "py.warnings": propagate,
            "gunicorn": propagate,
            "gunicorn.error": propagate,
            "uvicorn": propagate,
            "uvicorn.error": propagate,
        },
    }
