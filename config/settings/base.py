"""Settings shared by every environment. Values come from the environment (django-environ)."""

import ipaddress
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from core.observability.logging import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # Django's admin with the two-factor admin site (crm.admin_site.CrmAdminSite) as its default.
    "crm.apps.CrmAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks_db",
    "django_ratelimit",
    "core",
    "crm",
    "screening",
    "webhooks",
    "analytics",
]

MIDDLEWARE = [
    # Outermost: every response, redirects and errors included, carries X-Request-ID and is counted.
    "core.observability.middleware.RequestIdMiddleware",
    "core.observability.middleware.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (SECURE_CSP); a view may send its own instead.
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # First, so oversized API bodies are refused before anything reads them.
    "core.api.errors.ApiErrorMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): the session passed the two-factor step.
    "django_otp.middleware.OTPMiddleware",
    # Who acts, for the writes that record it (crm.teams.actor); views refine it to the member.
    "crm.teams.actor.ActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "crm.context_processors.creator",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
# SQLite under var/ by default (WAL, IMMEDIATE transactions so concurrent writers queue instead
# of failing with "database is locked"); PostgreSQL through DATABASE_URL.
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}


def _tune_database(db: dict) -> dict:
    if db["ENGINE"] == "django.db.backends.sqlite3":
        options = db.setdefault("OPTIONS", {})
        options.setdefault("transaction_mode", "IMMEDIATE")
        options.setdefault("timeout", 20)
        options.setdefault(
            "init_command",
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        )
    elif db["ENGINE"] == "django.db.backends.postgresql":
        db.setdefault("OPTIONS", {}).setdefault("pool", env.bool("DATABASE_POOL", default=False))
        if not db["OPTIONS"]["pool"]:
            db.setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
            db.setdefault("CONN_HEALTH_CHECKS", True)
        # A database that accepts connections and never answers must not hold a request for ever.
        db["OPTIONS"].setdefault("connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5))
    return db


DATABASES["default"] = _tune_database(DATABASES["default"])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (rate-limit counters) ----------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    # The stock database cache increments with a read then a write, so two processes can lose a
    # count; core.cache.AtomicDatabaseCache increments under a row lock instead.
    # (The table is core.cache.DATABASE_CACHE_TABLE, created by core's migration.)
    CACHES = {
        "default": {"BACKEND": "core.cache.AtomicDatabaseCache", "LOCATION": "cache_table"}
    }
RATELIMIT_USE_CACHE = "default"
# django-ratelimit warns (W001) about any backend outside its short list, Django's own Redis
# cache and our atomic database cache included; both increment atomically, so W001 is silenced.
# (E003, its refusal of the stock database cache, does not arise: we do not use that class.)
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]

# --- Auth ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "crm.User"
AUTHENTICATION_BACKENDS = ["core.auth_backends.EmailOrUsernameBackend"]
# Database sessions that know their user and sign-in address, so they can be listed and ended.
SESSION_ENGINE = "crm.session_store"
LOGIN_URL = "/auth/login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/auth/login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Sign-in security (docs/auth.md) -----------------------------------------------------
# Failed sign-ins per account, from every address together (LOGIN_RATE_LIMIT counts every attempt
# per address). Over it, only a device or address that signed in to the account before gets in.
LOGIN_ACCOUNT_RATE_LIMIT = env("LOGIN_ACCOUNT_RATE_LIMIT", default="20/1h")
# Reset mails per account (the per-address budget is LOGIN_RATE_LIMIT).
PASSWORD_RESET_EMAIL_RATE_LIMIT = env("PASSWORD_RESET_EMAIL_RATE_LIMIT", default="3/1h")
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3600)
AUTH_EVENT_RETENTION_DAYS = env.int("AUTH_EVENT_RETENTION_DAYS", default=90)
# The signed cookie that marks a browser as one the account signed in from before.
SIGN_IN_DEVICE_COOKIE_AGE = 365 * 24 * 3600
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Creator CRM")
# How long a password-checked sign-in may wait for its two-factor code.
TWO_FACTOR_PENDING_SECONDS = 300

# --- Teams (issue 17) -------------------------------------------------------------------------
# The address links in mails point at (invitations): the site as its users reach it.
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default="http://localhost:8000").rstrip("/")
INVITATION_DAYS = env.int("INVITATION_DAYS", default=7)

# --- Email (password reset, invitations) --------------------------------------------------
# Django 6.1's MAILERS; the console by default (local prints the reset link there).
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Creator CRM <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
_SMTP_OPTIONS = {
    "EMAIL_HOST": "host",
    "EMAIL_PORT": "port",
    "EMAIL_HOST_USER": "username",
    "EMAIL_HOST_PASSWORD": "password",
    "EMAIL_USE_TLS": "use_tls",
    "EMAIL_USE_SSL": "use_ssl",
}


def mailer(config: dict) -> dict:
    """A MAILERS entry from django-environ's EMAIL_URL parts (or the EMAIL_* variables)."""
    backend = config.get("EMAIL_BACKEND") or "django.core.mail.backends.smtp.EmailBackend"
    options = {}
    if backend.endswith(".smtp.EmailBackend"):
        options = {new: config[old] for old, new in _SMTP_OPTIONS.items() if config.get(old) not in (None, "")}
        options["timeout"] = 10
    return {"BACKEND": backend, "OPTIONS": options}

# --- I18N / time --------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media ---------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Media is private: there is no MEDIA_URL route; files leave only through authorised views.
MEDIA_URL = None
# ID documents on a shared host: readable by the app's own user only.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL", default=None)
    AWS_S3_REGION_NAME = env("AWS_S3_REGION_NAME", default=None)
    AWS_ACCESS_KEY_ID = env("AWS_ACCESS_KEY_ID", default=None)
    AWS_SECRET_ACCESS_KEY = env("AWS_SECRET_ACCESS_KEY", default=None)
    AWS_DEFAULT_ACL = "private"
    AWS_QUERYSTRING_AUTH = True
    AWS_S3_FILE_OVERWRITE = False
    AWS_LOCATION = env("AWS_LOCATION", default="")
    _default_storage = {"BACKEND": "storages.backends.s3.S3Storage"}
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": None},
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- Body limits --------------------------------------------------------------------------
# JSON APIs: 1 MB; webhooks: 8 MB; uploads: 10 MiB per file (checked by the upload validator).
DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000_000
WEBHOOK_MAX_BODY_BYTES = 8_000_000
UPLOAD_MAX_FILE_BYTES = 10 * 1024 * 1024
# A multipart request may carry one full-size file plus its form fields.
MULTIPART_MAX_BODY_BYTES = UPLOAD_MAX_FILE_BYTES + 1_000_000
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Visitor chat (crm.chat, docs/chat.md): a message carries at most 5 files of 10 MiB, so its
# request is bounded by five full files plus the form fields.
CHAT_MAX_BODY_BYTES = 5 * UPLOAD_MAX_FILE_BYTES + 1_000_000
CHAT_STORAGE_QUOTA_MB = env.int("CHAT_STORAGE_QUOTA_MB", default=500)
# Chats nobody wrote in for this long are erased (visitor, messages, files); 0 keeps them.
CHAT_RETENTION_DAYS = env.int("CHAT_RETENTION_DAYS", default=180)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

# --- Private data -------------------------------------------------------------------------
# Comma-separated Fernet keys: the first encrypts, all decrypt (rotation: put the new key first).
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
PII_HASH_KEY = env("PII_HASH_KEY", default="")
SCREENING_FILE_RETENTION_DAYS = env.int("SCREENING_FILE_RETENTION_DAYS", default=None)

# --- Webhooks -----------------------------------------------------------------------------
INSTAGRAM_WEBHOOK_SECRET = env("INSTAGRAM_WEBHOOK_SECRET", default="")
INSTAGRAM_WEBHOOK_VERIFY_TOKEN = env("INSTAGRAM_WEBHOOK_VERIFY_TOKEN", default="")
# Local settings accept unsigned deliveries when no secret is configured; nowhere else.
WEBHOOK_ALLOW_UNSIGNED = False
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
WEBHOOK_LEASE_SECONDS = env.int("WEBHOOK_LEASE_SECONDS", default=300)
# Retry n waits base * 2^(n-1) seconds, at most max. A pending event whose task has not run within
# the grace is re-enqueued by the sweeper (a lost enqueue); `sweep_webhooks --forever` runs every S.
WEBHOOK_RETRY_BASE_SECONDS = env.int("WEBHOOK_RETRY_BASE_SECONDS", default=30)
WEBHOOK_RETRY_MAX_SECONDS = env.int("WEBHOOK_RETRY_MAX_SECONDS", default=3600)
WEBHOOK_PENDING_GRACE_SECONDS = env.int("WEBHOOK_PENDING_GRACE_SECONDS", default=120)
WEBHOOK_SWEEP_INTERVAL_SECONDS = env.int("WEBHOOK_SWEEP_INTERVAL_SECONDS", default=10)

# --- Retention (applied daily by the sweeper and by `manage.py apply_retention`) -------------
# Processed, ignored, dead and erased webhook events older than this are deleted (at least 2:
# Meta redelivers for up to 36 hours, and the stored event is what recognises a redelivery).
WEBHOOK_EVENT_RETENTION_DAYS = env.int("WEBHOOK_EVENT_RETENTION_DAYS", default=30)
# Finished background task results older than this are deleted (django-tasks-db's prune command).
TASK_RESULT_RETENTION_DAYS = env.int("TASK_RESULT_RETENTION_DAYS", default=14)

# --- Live updates (core.live, crm.live; docs/architecture.md "Live updates") -------------
# How the live process learns that the feed moved: auto (PostgreSQL LISTEN/NOTIFY when it is
# the database, else Redis pub/sub when REDIS_URL is set, else a poll), postgres, redis, poll.
LIVE_WAKEUP = env("LIVE_WAKEUP", default="auto")
# The poll's period (one query per live worker for all its streams).
LIVE_POLL_SECONDS = env.float("LIVE_POLL_SECONDS", default=0.1)
# A stream reads again and sends a keep-alive this often even when nothing woke it.
LIVE_HEARTBEAT_SECONDS = env.float("LIVE_HEARTBEAT_SECONDS", default=15)
# A stream ends after this long; the browser reconnects with its last event id, and the
# session and rights are checked again.
LIVE_STREAM_SECONDS = env.float("LIVE_STREAM_SECONDS", default=300)
# The threads (and so database connections) of one live worker, however many streams it holds.
LIVE_DB_THREADS = env.int("LIVE_DB_THREADS", default=4)
# Feed events older than this are deleted by the sweeper's daily retention run.
LIVE_FEED_RETENTION_HOURS = env.int("LIVE_FEED_RETENTION_HOURS", default=24)

# --- Background tasks ---------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Rate limits and client address -------------------------------------------------------
# Writes per login within one creator (seed 000: limits apply per user), and per API key.
WRITE_RATE_LIMIT = env("WRITE_RATE_LIMIT", default="60/60s")
# Every write to one creator, all members and keys together; empty: 5 × WRITE_RATE_LIMIT.
CREATOR_WRITE_RATE_LIMIT = env("CREATOR_WRITE_RATE_LIMIT", default="")
# Login attempts per client address, and failed attempts per account.
LOGIN_RATE_LIMIT = env("LOGIN_RATE_LIMIT", default="10/5m")
# How many reverse proxies in front of us append to X-Forwarded-For (0: use REMOTE_ADDR).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# --- REST framework -----------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DATETIME_FORMAT": "%Y-%m-%dT%H:%M:%SZ",
    "COERCE_DECIMAL_TO_STRING": False,
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=15),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=14),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
}
JWT_COOKIE_SECURE = True
JWT_COOKIE_SAMESITE = "Lax"

SPECTACULAR_SETTINGS = {
    "TITLE": "Creator CRM API",
    "DESCRIPTION": "The JWT-cookie surface (/api/crm, /api/analytics, /api/webhooks) and the "
    "API-key surface (/api/v1, /api/contact).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Security defaults (tightened further in production) ----------------------------------
# Every response of every profile: only our own origin's scripts, styles and images, or an inline
# block that carries the request's nonce (the admin's and the API docs' few); no inline handlers
# or `style=` attributes, no plugins, never framed, forms post only to us. `data:` images: the
# admin's and Swagger UI's stylesheets embed their icons so. Private downloads send a stricter
# policy of their own (core.storage.private_download: `default-src 'none'; sandbox`).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- Operations: logs, metrics, version (core.observability; docs/operations.md) ----------
# `plain` here and in local; production defaults to `json` (one object per line).
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = logging_config(log_format=env("LOG_FORMAT", default="plain"), level=LOG_LEVEL)

APP_VERSION = "1.0.0"
BUILD_COMMIT = env("BUILD_COMMIT", default="")
# /metrics: a bearer token, or client addresses (resolved with TRUSTED_PROXY_COUNT) in these networks.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
METRICS_ALLOWED_CIDRS = env.list("METRICS_ALLOWED_CIDRS", default=[])
for _cidr in METRICS_ALLOWED_CIDRS:
    try:
        ipaddress.ip_network(_cidr, strict=False)
    except ValueError as _exc:
        raise ImproperlyConfigured(f"METRICS_ALLOWED_CIDRS: {_exc}")
# With neither configured: direct requests from loopback only, and only where this is on (local).
METRICS_ALLOW_LOOPBACK = False

# --- Delivery of outgoing messages (crm.delivery, webhooks.delivery; docs/delivery.md) ---------
INSTAGRAM_GRAPH_URL = env("INSTAGRAM_GRAPH_URL", default="https://graph.instagram.com/v23.0")
INSTAGRAM_GRAPH_TIMEOUT_SECONDS = env.float("INSTAGRAM_GRAPH_TIMEOUT_SECONDS", default=20)
DELIVERY_MAX_ATTEMPTS = env.int("DELIVERY_MAX_ATTEMPTS", default=5)
DELIVERY_RETRY_BASE_SECONDS = env.int("DELIVERY_RETRY_BASE_SECONDS", default=30)
DELIVERY_RETRY_MAX_SECONDS = env.int("DELIVERY_RETRY_MAX_SECONDS", default=3600)
# Longer than any call can take (the timeout above, connect included): a message `sending` for
# longer lost its worker and becomes failed, outcome unknown.
DELIVERY_SENDING_TIMEOUT_SECONDS = env.int("DELIVERY_SENDING_TIMEOUT_SECONDS", default=300)
# A message `queued` this long without a claim had its enqueue lost: the sweeper enqueues it.
DELIVERY_QUEUED_GRACE_SECONDS = env.int("DELIVERY_QUEUED_GRACE_SECONDS", default=120)
# The settings page warns this many days before an access token expires.
DELIVERY_TOKEN_WARNING_DAYS = env.int("DELIVERY_TOKEN_WARNING_DAYS", default=7)

# A fan whose whole message is one of these (any case) is marked do-not-contact (crm.services).
DO_NOT_CONTACT_KEYWORDS = env.list(
    "DO_NOT_CONTACT_KEYWORDS", default=["stop", "stopall", "unsubscribe", "cancel", "end", "quit"]
)

# --- Campaigns (docs/campaigns.md) ---------------------------------------------------------
# The most fans one mass message reaches; a bigger audience is refused with a clear error.
MASS_MESSAGE_MAX_RECIPIENTS = env.int("MASS_MESSAGE_MAX_RECIPIENTS", default=20000)
# Messages a creator's mass messages create per minute (all of them together): the pace a
# platform account is sent at, under Instagram's per-account limits.
MASS_MESSAGE_RATE_PER_MINUTE = env.int("MASS_MESSAGE_RATE_PER_MINUTE", default=600)
# Recipients one step of the runner handles before it yields (and reports progress).
MASS_MESSAGE_BATCH = env.int("MASS_MESSAGE_BATCH", default=50)
# A scheduled message or a running mass message this long past its time without progress is
# enqueued again by the sweeper (its task was lost, or the worker was down).
CAMPAIGN_SWEEP_GRACE_SECONDS = env.int("CAMPAIGN_SWEEP_GRACE_SECONDS", default=60)
# Platforms where a message may carry a pay-per-view price (unlocked by a PPV transaction).
PPV_PLATFORMS = env.list("PPV_PLATFORMS", default=["onlyfans", "fansly", "instagram", "direct"])
