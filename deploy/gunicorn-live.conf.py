"""gunicorn for the live process: config.asgi (the /live/ prefix) on gunicorn's own ASGI worker.

    gunicorn -c deploy/gunicorn-live.conf.py config.asgi:application

The settings and hooks of deploy/gunicorn.conf.py (JSON logs, the metrics directory, worker
exit), then what differs for long-lived connections: an event loop per worker holding many
connections, no recycling after N requests (it would cut them), a longer keep-alive.
"""

import os
import runpy
from pathlib import Path

globals().update(runpy.run_path(str(Path(__file__).with_name("gunicorn.conf.py"))))

bind = os.environ.get("LIVE_BIND", f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('LIVE_PORT', '8001')}")
workers = int(os.environ.get("LIVE_CONCURRENCY", "2"))
worker_class = "asgi"
# Connections one worker holds open at once (each an open stream, mostly idle).
worker_connections = int(os.environ.get("LIVE_WORKER_CONNECTIONS", "1000"))
max_requests = 0
max_requests_jitter = 0
keepalive = 75
