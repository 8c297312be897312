"""Production: every secret from the environment, no defaults; passes `check --deploy`."""

from django.core.exceptions import ImproperlyConfigured

from core.observability.logging import logging_config

from .base import *  # noqa: F403
from .base import LOG_LEVEL, env, mailer

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS")
PII_HASH_KEY = env("PII_HASH_KEY")
INSTAGRAM_WEBHOOK_SECRET = env("INSTAGRAM_WEBHOOK_SECRET")
INSTAGRAM_WEBHOOK_VERIFY_TOKEN = env("INSTAGRAM_WEBHOOK_VERIFY_TOKEN")
for _name in ("FIELD_ENCRYPTION_KEYS", "PII_HASH_KEY", "INSTAGRAM_WEBHOOK_SECRET", "INSTAGRAM_WEBHOOK_VERIFY_TOKEN"):
    if not globals()[_name]:
        raise ImproperlyConfigured(f"{_name} must be set in production")

# Password-reset mail over SMTP: EMAIL_URL (smtp+tls://user:password@host:587), or the usual
# EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS / EMAIL_USE_SSL.
if env("EMAIL_URL", default=""):
    MAILERS = {"default": mailer(env.email_url("EMAIL_URL"))}
elif env("EMAIL_HOST", default=""):
    MAILERS = {
        "default": mailer(
            {
                "EMAIL_HOST": env("EMAIL_HOST"),
                "EMAIL_PORT": env.int("EMAIL_PORT", default=587),
                "EMAIL_HOST_USER": env("EMAIL_HOST_USER", default=""),
                "EMAIL_HOST_PASSWORD": env("EMAIL_HOST_PASSWORD", default=""),
                "EMAIL_USE_TLS": env.bool("EMAIL_USE_TLS", default=True),
                "EMAIL_USE_SSL": env.bool("EMAIL_USE_SSL", default=False),
            }
        )
    }
else:
    raise ImproperlyConfigured("EMAIL_URL (or EMAIL_HOST) must be set in production: password resets are mailed")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL")
if not DEFAULT_FROM_EMAIL:
    raise ImproperlyConfigured("DEFAULT_FROM_EMAIL must be set in production")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# Load balancers probe and Prometheus scrapes the app servers directly, over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
JWT_COOKIE_SECURE = True

LOGGING = logging_config(log_format=env("LOG_FORMAT", default="json"), level=LOG_LEVEL)
