"""Progress of a long job, on the feed: what drives a page's progress element.

A job reports on the stream of whoever watches it (crm.live.stream_of(creator)); reports are
thinned to one per `every` seconds (the last one always goes), so a job of a million rows does
not write a million events.
"""

import time

from . import feed

JOB_EVENT = "job"


class ProgressReporter:
    def __init__(self, stream: str, *, job: str, total: int, label: str = "", every: float = 0.5):
        self.stream, self.job, self.total, self.label, self.every = stream, job, max(0, total), label, every
        self.done = 0
        self._last_sent = 0.0

    def _send(self, state: str) -> None:
        feed.publish(
            self.stream,
            JOB_EVENT,
            {"job": self.job, "done": self.done, "total": self.total, "label": self.label, "state": state},
        )
        self._last_sent = time.monotonic()

    def start(self) -> "ProgressReporter":
        self._send("running")
        return self

    def advance(self, count: int = 1) -> None:
        self.done = min(self.total, self.done + count) if self.total else self.done + count
        if time.monotonic() - self._last_sent >= self.every:
            self._send("running")

    def finish(self, *, failed: bool = False) -> None:
        if not failed and self.total:
            self.done = self.total
        self._send("failed" if failed else "done")
