"""Security events are kept for AUTH_EVENT_RETENTION_DAYS; mail goes to the console locally."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from crm.models import AuthEvent
from tests.factories import AuthEventFactory

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_purge_auth_events_keeps_the_retention_period(settings, capsys):
    settings.AUTH_EVENT_RETENTION_DAYS = 30
    old = AuthEventFactory(at=timezone.now() - timedelta(days=31))
    recent = AuthEventFactory(at=timezone.now() - timedelta(days=29))
    call_command("purge_auth_events")
    assert list(AuthEvent.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not AuthEvent.objects.filter(pk=old.pk).exists()
    assert "Deleted 1 security event(s) older than 30 days." in capsys.readouterr().out


@pytest.mark.once
def test_local_settings_print_mail_on_the_console():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "EMAIL_"))}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    code = "from django.conf import settings; print(settings.MAILERS['default']['BACKEND'])"
    result = subprocess.run([sys.executable, "manage.py", "shell", "--no-imports", "-c", code], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "django.core.mail.backends.console.EmailBackend", result.stderr
    env["EMAIL_URL"] = "smtp+tls://u:p@smtp.example.com:587"
    result = subprocess.run([sys.executable, "manage.py", "shell", "--no-imports", "-c", code], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "django.core.mail.backends.smtp.EmailBackend", result.stderr
