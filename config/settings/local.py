"""The embedded single-machine default: SQLite, local files, database cache, no other services."""

from .base import *  # noqa: F403
from .base import env, mailer

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-development-only-not-a-secret")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
# `make run HOST=...`: the address it serves on is a host name it answers to.
_HOST = env("HOST", default="")
if _HOST and _HOST not in ("0.0.0.0", "::") and _HOST not in ALLOWED_HOSTS:  # noqa: S104 - compared, not bound
    ALLOWED_HOSTS.append(_HOST)

# Development keys so `make run` works out of the box; production has no defaults for these.
FIELD_ENCRYPTION_KEYS = env.list(
    "FIELD_ENCRYPTION_KEYS", default=["bG9jYWwtZGV2ZWxvcG1lbnQta2V5LW5vdC1zZWNyZXQ="]
)
PII_HASH_KEY = env("PII_HASH_KEY", default="local-development-pii-hash-key")
INSTAGRAM_WEBHOOK_VERIFY_TOKEN = env("INSTAGRAM_WEBHOOK_VERIFY_TOKEN", default="local-verify-token")
WEBHOOK_ALLOW_UNSIGNED = True

# Cookies over plain http on 127.0.0.1.
JWT_COOKIE_SECURE = False

# Mail goes to the console (the password-reset link is printed there) unless EMAIL_URL is set.
if env("EMAIL_URL", default=""):
    MAILERS = {"default": mailer(env.email_url("EMAIL_URL"))}

# /metrics without a token or networks configured: from this machine only (see README).
METRICS_ALLOW_LOOPBACK = True
