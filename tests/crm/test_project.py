"""The project is healthy: system checks, deploy checks with production settings, migrations."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "x" * 20 + "production-secret-with-enough-entropy-0123456789",
    "DJANGO_ALLOWED_HOSTS": "crm.example.com",
    "DATABASE_URL": "postgres://crm:pw@db.example.com:5432/crm",
    "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "PII_HASH_KEY": "production-pii-hash-key",
    "INSTAGRAM_WEBHOOK_SECRET": "production-app-secret",
    "INSTAGRAM_WEBHOOK_VERIFY_TOKEN": "production-verify-token",
    "EMAIL_URL": "smtp+tls://crm:mail-password@smtp.example.com:587",
    "DEFAULT_FROM_EMAIL": "Creator CRM <no-reply@crm.example.com>",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=120,
    )


@pytest.mark.django_db
def test_system_checks_pass():
    # With the database: its checks run too (and a live server earlier in the session may have
    # left a connection the check touches).
    call_command("check", fail_level="WARNING", databases=["default"])


@pytest.mark.django_db
def test_models_and_migrations_agree():
    # Exits with status 1 (SystemExit) when a model change has no migration.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.once
def test_production_settings_pass_the_deploy_checks():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


# What production refuses to start without (README "Operations" and its settings table say so too).
PRODUCTION_REQUIRED = [
    "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "FIELD_ENCRYPTION_KEYS", "PII_HASH_KEY",
    "INSTAGRAM_WEBHOOK_SECRET", "INSTAGRAM_WEBHOOK_VERIFY_TOKEN", "EMAIL_URL", "DEFAULT_FROM_EMAIL",
]


@pytest.mark.once
@pytest.mark.parametrize("missing", PRODUCTION_REQUIRED)
def test_production_refuses_to_start_without_its_secrets(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert missing in result.stderr


@pytest.mark.once
@pytest.mark.parametrize("empty", [n for n in PRODUCTION_REQUIRED if n != "DJANGO_ALLOWED_HOSTS"])
def test_production_refuses_an_empty_secret_too(empty):
    result = manage("check", env={**PRODUCTION_ENV, empty: ""})
    assert result.returncode != 0
    assert empty.removeprefix("DJANGO_") in result.stderr  # Django names SECRET_KEY itself


@pytest.mark.once
def test_the_readme_lists_every_variable_production_requires():
    readme = (ROOT / "README.md").read_text()
    sentence = re.search(r"refuses to start without(.*?), and passes", readme, re.S).group(1)
    assert set(re.findall(r"`([A-Z_]+)`", sentence)) == set(PRODUCTION_REQUIRED)
    required_rows = {
        match.group(1)
        for match in re.finditer(r"^\| `([A-Z_]+)` \|[^\n]*\*\*required\*\* in `production`", readme, re.M)
    }
    assert required_rows == set(PRODUCTION_REQUIRED)


def test_every_model_has_a_factory():
    from django.apps import apps

    from tests import factories

    covered = {
        obj._meta.model
        for obj in vars(factories).values()
        if isinstance(obj, type) and issubclass(obj, factories.factory.base.BaseFactory) and obj._meta.model
    }
    ours = {m for label in ("crm", "screening", "webhooks") for m in apps.get_app_config(label).get_models()}
    assert ours - covered == set()


def test_every_crm_model_is_in_the_admin_with_search():
    from django.apps import apps
    from django.contrib import admin

    for model in apps.get_app_config("crm").get_models():
        model_admin = admin.site.get_model_admin(model)
        assert model_admin.search_fields, model
        assert model_admin.list_display != ("__str__",), model
