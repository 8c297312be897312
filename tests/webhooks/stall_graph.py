"""For the delivery worker-kill test (imported by its worker's settings, before Django is set
up): every Graph call first announces itself through a marker file and stalls, so the message is
`sending`, committed, and nothing has left."""

import time
from pathlib import Path

import httpx


def stall_before_graph_calls(marker: str) -> None:
    def stalled_post(self, *args, **kwargs):
        Path(marker).write_text("claimed")
        time.sleep(120)  # killed long before this ends
        raise AssertionError("the worker should have been killed")

    httpx.Client.post = stalled_post
