"""Settings for the test suite: fast hashing, fixed keys, SQLite unless DATABASE_URL is set."""

from .base import *  # noqa: F403
from .base import BASE_DIR, DATABASES, env

SECRET_KEY = "test-secret-key-not-for-production"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

FIELD_ENCRYPTION_KEYS = ["dGVzdC1maWVsZC1lbmNyeXB0aW9uLWtleS0zMmJ5dGU="]
PII_HASH_KEY = "test-pii-hash-key"
INSTAGRAM_WEBHOOK_SECRET = "test-instagram-secret"
INSTAGRAM_WEBHOOK_VERIFY_TOKEN = "test-verify-token"

# Tests run tasks where they enqueue them unless a test opts into the database backend.
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}

# SQLite test databases are files under var/ (not :memory:) so that tests which start other
# processes (workers, concurrent writers, a live server) share them.
if not env("DATABASE_URL", default=""):
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / "test-db.sqlite3")}

JWT_COOKIE_SECURE = False
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
# Static files come from the app folders (no collectstatic before tests; no missing-dir warning).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
INSTAGRAM_GRAPH_URL = "http://127.0.0.1:9/v23.0"  # never the internet: tests start a fake Graph server (tests/fake_graph.py)
