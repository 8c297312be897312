"""The processes a live page needs, started for real: gunicorn for the pages (WSGI, 2 sync
workers), gunicorn's ASGI worker for /live/, `manage.py db_worker`, and the one-origin reverse
proxy in front of them (scripts/dev_proxy.py, as nginx in production), on the embedded default
(SQLite file, local settings) exactly as `make run` starts them."""

import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.real_server import free_port, server_env
from tests.stack.processes import MANAGE, Stack, call, wait_until

PASSWORD = "Live-Pass-5821!"
ACCOUNT_ID = "17841400000000001"  # the webhook fixtures' account
BIN = Path(sys.executable).parent
# A teammate as the teams issue makes one: the owner invites a chatter, who accepts with a password.
ADD_CHATTER = (
    "from crm.models import Creator; from crm.teams import acting, invitations; "
    "owner = acting.own_member(Creator.objects.get(slug='studio-live').user); "
    "invitation, _ = invitations.invitation_create(member=owner, email='{email}', role='chatter'); "
    "invitations.invitation_accept(invitation=invitation, password='{password}')"
)


@dataclass
class LiveStack:
    stack: Stack
    url: str
    webhook_secret: str
    live_port: int
    creator_email: str = "studio.live@example.com"
    other_email: str = "other.live@example.com"
    chatter_email: str = "chatter.live@example.com"  # a chatter of studio-live, invited and accepted
    password: str = PASSWORD

    def start_live(self):
        return self.stack.start(
            "live",
            [str(BIN / "gunicorn"), "-c", "deploy/gunicorn-live.conf.py", "--bind", f"127.0.0.1:{self.live_port}",
             "--workers", "1", "config.asgi:application"],
        )

    def wait_live(self):
        wait_until(lambda: call(self.live_port, "GET", "/live/healthz", proxied=False).status == 200,
                   timeout=30, what="the live process", stack=self.stack)


@pytest.fixture(scope="module")
def live_stack(tmp_path_factory):
    folder = tmp_path_factory.mktemp("live-stack")
    secret = secrets.token_hex(16)
    env = server_env(folder) | {
        "INSTAGRAM_WEBHOOK_SECRET": secret,
        "LOG_FORMAT": "plain",
        "PROMETHEUS_MULTIPROC_DIR": str(folder / "metrics"),
        "LIVE_HEARTBEAT_SECONDS": "5",
    }
    (folder / "metrics").mkdir()
    stack = Stack(env=env, folder=folder)
    web_port, live_port, proxy_port = free_port(), free_port(), free_port()
    live = LiveStack(stack=stack, url=f"http://127.0.0.1:{proxy_port}", webhook_secret=secret, live_port=live_port)
    stack.run("migrate", "--noinput", "-v", "0")
    stack.run("create_creator", "--slug", "studio-live", "--email", live.creator_email, "--password", PASSWORD)
    stack.run("create_creator", "--slug", "other-live", "--email", live.other_email, "--password", PASSWORD)
    stack.run("shell", "-c", ADD_CHATTER.format(email=live.chatter_email, password=PASSWORD))
    stack.run("connect_account", "--creator", "studio-live", "--platform", "instagram", "--account-id", ACCOUNT_ID)
    try:
        stack.start("web", [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "--bind", f"127.0.0.1:{web_port}",
                            "--workers", "2", "config.wsgi:application"])
        live.start_live()
        stack.start("worker", [*MANAGE, "db_worker", "--queue-name", "*", "--no-reload", "--interval", "0.2"])
        stack.start("proxy", [sys.executable, "scripts/dev_proxy.py", "--listen", f"127.0.0.1:{proxy_port}",
                              "--web", f"127.0.0.1:{web_port}", "--live", f"127.0.0.1:{live_port}"])
        wait_until(lambda: call(proxy_port, "GET", "/healthz", proxied=False).status == 200,
                   timeout=30, what="the web process behind the proxy", stack=stack)
        live.wait_live()
        yield live
    finally:
        stack.stop()
