"""Settings of the real `db_worker` of test_delivery_worker_kill: the database task backend, the
fake Graph server's URL (from the environment), and, when told, a send that stalls before its call."""

import os

from tests.webhooks.worker_settings import *  # noqa: F403

INSTAGRAM_GRAPH_URL = os.environ["INSTAGRAM_GRAPH_URL"]
WEBHOOK_HANDLER_OVERRIDES = {}

if os.environ.get("DELIVERY_TEST_STALL_MARKER"):
    from tests.webhooks.stall_graph import stall_before_graph_calls

    stall_before_graph_calls(os.environ["DELIVERY_TEST_STALL_MARKER"])
