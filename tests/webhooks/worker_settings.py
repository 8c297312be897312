"""Settings for the real `db_worker` subprocesses of test_worker_kill: the database task backend,
the test database (from DATABASE_URL, set by the test), and a comments handler that can stall."""

from config.settings.test import *  # noqa: F403

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
WEBHOOK_HANDLER_OVERRIDES = {"comments": "tests.webhooks.stall.comment_then_stall"}
