"""Production: every secret from the environment, no defaults; passes `check --deploy`."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

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

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
JWT_COOKIE_SECURE = True
