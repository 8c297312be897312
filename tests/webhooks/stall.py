"""A comments handler for the worker-kill test: does the real work, then (when told by the
environment) announces it through a file and stalls before the transaction commits."""

import os
import time
from pathlib import Path

from webhooks.handlers import handle_comment


def comment_then_stall(creator, event):
    outcome = handle_comment(creator, event)
    marker = os.environ.get("WEBHOOK_TEST_STALL_MARKER")
    if marker:
        Path(marker).write_text(str(event.pk))
        time.sleep(120)  # killed long before this ends
    return outcome

