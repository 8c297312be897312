"""gunicorn for the pages and both APIs (sync workers):

    gunicorn -c deploy/gunicorn.conf.py config.wsgi:application

The live process (deploy/gunicorn-live.conf.py) starts from these settings and hooks too.
Every value comes from the environment, with production defaults. Metrics run in
prometheus_client's multiprocess mode: PROMETHEUS_MULTIPROC_DIR is set here when the
environment does not set it, the files of processes that ended are removed at start, and a
worker that exits is marked dead so its live gauges go with it.
"""

import os
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))  # the project's `core`, before gunicorn loads the app

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(BASE_DIR / "var" / "metrics"))

from prometheus_client import multiprocess  # noqa: E402 - after the environment above

from core.observability import multiproc  # noqa: E402
from core.observability.logging import logging_config  # noqa: E402

chdir = str(BASE_DIR)
bind = os.environ.get("GUNICORN_BIND", f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
worker_class = "sync"
# A request that takes longer is a bug or a hung dependency: the worker is replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
# Behind nginx, which keeps client connections itself: short keep-alive to the proxy.
keepalive = 5
# Recycle workers now and then (a slow leak never grows unbounded); jitter avoids all at once.
max_requests = 2000
max_requests_jitter = 200
# Django reads X-Forwarded-Proto itself (SECURE_PROXY_SSL_HEADER) and the client address with
# TRUSTED_PROXY_COUNT; gunicorn only needs to trust the local proxy for the scheme.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# The app's own access line (core.observability) replaces gunicorn's, which has query strings.
accesslog = None
# gunicorn's control socket (gunicornc) is not used; off, so the web and live masters of one
# user do not compete for its default path.
control_socket_disable = True
logconfig_dict = logging_config(
    log_format=os.environ.get("LOG_FORMAT", "json"), level=os.environ.get("LOG_LEVEL", "INFO")
)


def on_starting(server):
    removed = multiproc.prune()
    server.log.info("Metrics directory %s ready (%s stale files removed)", multiproc.directory(), removed)


def child_exit(server, worker):
    multiprocess.mark_process_dead(worker.pid)
