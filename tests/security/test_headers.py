"""Response headers every face sends: the Content-Security-Policy (every response, every settings
profile) and `Cache-Control: no-store` (every API response, every page with decrypted data)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.csp import CSP

from crm.models import Fan
from screening import services as screening_services
from screening.models import ScreeningMethod
from tests.crm.test_project import PRODUCTION_ENV
from tests.factories import ConversationFactory, FanFactory, ScreeningMethodFactory
from tests.screening import samples

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def assert_no_store(response):
    assert "no-store" in response.get("Cache-Control", ""), (response.status_code, response.get("Cache-Control"))


def assert_policy(response, *, nonce: bool = False):
    policy = response["Content-Security-Policy"]
    if nonce:
        assert "'nonce-" in policy
        policy = re.sub(r" 'nonce-[A-Za-z0-9_-]+'", "", policy)
    assert policy == POLICY


# --- Content-Security-Policy ---------------------------------------------------------------


def test_pages_api_responses_and_static_files_carry_the_policy(page_client, anon_client, v1_client, crm_client):
    fan = FanFactory(creator=page_client.creator)
    for response in (
        page_client.get("/fans/"),
        page_client.get(f"/fans/{fan.pk}/"),
        page_client.get("/inbox/"),
        anon_client.get("/auth/login"),
        anon_client.get("/api/crm/fans"),  # a 401
        crm_client.get("/api/crm/fans"),
        v1_client.get("/api/v1/clients"),
        anon_client.get("/api/v1/nowhere"),
        anon_client.get("/static/css/app.css"),
    ):
        assert_policy(response)


def test_pages_with_a_nonced_inline_block_send_that_nonce(staff, anon_client):
    changelist = staff.get(reverse("admin:crm_fan_changelist"))
    assert_policy(changelist, nonce=True)
    nonce = changelist["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"'.encode() in changelist.content
    docs = anon_client.get("/api/docs/")
    assert_policy(docs, nonce=True)
    assert b"<style nonce=" in docs.content and b"<script>" not in docs.content


def test_our_templates_have_no_inline_script_handler_or_style():
    """What the policy would block: kept out of templates/ and static/ (the admin's and the API
    docs' inline blocks carry the nonce)."""
    offenders = []
    for path in [*ROOT.glob("templates/**/*.html"), *ROOT.glob("static/**/*.*")]:
        text = path.read_text()
        for needle in (" onclick=", " onload=", " onerror=", " onsubmit=", " onchange=", " style=", "javascript:"):
            if needle in text:
                offenders.append(f"{path.relative_to(ROOT)}: {needle.strip()}")
        if path.suffix == ".html" and ("<script>" in text or "<style>" in text):
            offenders.append(f"{path.relative_to(ROOT)}: inline block without a nonce")
    assert offenders == []


def test_private_downloads_keep_their_own_sandbox_policy(v1_client):
    fan = FanFactory(creator=v1_client.creator)
    screening_file = screening_services.screening_file_upload(fan=fan, upload=samples.upload("id.pdf", samples.PDF))
    response = v1_client.get(f"/api/v1/screening/{fan.pk}/files/{screening_file.pk}/download")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert_no_store(response)


def _profile_settings(module: str, env: dict) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps({'csp': settings.SECURE_CSP, 'middleware': settings.MIDDLEWARE}))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**clean, **env, "DJANGO_SETTINGS_MODULE": module},
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.once
@pytest.mark.parametrize("module", ["config.settings.local", "config.settings.production", "config.settings.test"])
def test_every_settings_profile_enforces_the_policy(module):
    loaded = _profile_settings(module, PRODUCTION_ENV if module.endswith("production") else {})
    assert "django.middleware.csp.ContentSecurityPolicyMiddleware" in loaded["middleware"]
    csp = loaded["csp"]
    assert csp["default-src"] == [CSP.SELF]
    assert set(csp["script-src"]) <= {CSP.SELF, CSP.NONCE}
    assert csp["object-src"] == csp["frame-ancestors"] == [CSP.NONE]
    flat = json.dumps(csp)
    assert "unsafe-inline" not in flat and "unsafe-eval" not in flat and "*" not in flat


def test_the_policy_of_these_settings_is_the_documented_one():
    assert settings.SECURE_CSP["frame-ancestors"] == [CSP.NONE]


# --- Cache-Control: no-store ---------------------------------------------------------------


def test_every_api_response_is_no_store(crm_client, v1_client, anon_client, creator):
    fan = FanFactory(creator=creator, email="private@example.com", notes="secret")
    for response in (
        crm_client.get("/api/crm/fans"),
        crm_client.get(f"/api/crm/fans/{fan.pk}"),
        crm_client.post("/api/crm/fans", {"name": ""}, format="json"),  # a 400
        v1_client.get(f"/api/v1/clients/{fan.pk}"),
        v1_client.get(f"/api/v1/notes/{fan.pk}"),
        v1_client.get("/api/v1/clients/999999"),  # a 404
        anon_client.get("/api/v1/clients"),  # a 401
        anon_client.get("/api/nowhere"),  # no route
        anon_client.post("/api/crm/fans", b"{}" * 600_000, content_type="application/json"),  # a 413
        anon_client.get("/api/schema/"),
        anon_client.get("/api/docs/"),
    ):
        assert_no_store(response)


def test_every_page_with_decrypted_private_fields_is_no_store(page_client):
    fan = FanFactory(creator=page_client.creator, email="private@example.com", phone="+33 6 12 34 56 78", notes="secret")
    conversation = ConversationFactory(fan=fan)
    method = ScreeningMethodFactory(fan=fan, details="passport 123")
    for path in (
        "/fans/",
        f"/fans/{fan.pk}/",
        "/inbox/",
        f"/inbox/{conversation.pk}/",
        "/settings/",
    ):
        response = page_client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        assert_no_store(response)
    # A form that failed re-renders the fan page, decrypted screening details included.
    rerendered = page_client.post(f"/fans/{fan.pk}/screening/methods/{method.pk}", {"method_type": "bogus"})
    assert rerendered.status_code == 400
    assert_no_store(rerendered)


def test_admin_change_pages_of_fans_and_screening_are_no_store(staff):
    fan = FanFactory(email="private@example.com", notes="secret")
    method = ScreeningMethodFactory(fan=fan, details="passport 123")
    for model, pk in ((Fan, fan.pk), (ScreeningMethod, method.pk)):
        response = staff.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[pk]))
        assert response.status_code == 200
        assert_no_store(response)
